/**
 * The 耳麦设置 dialog and the headset watch: pick microphone and output (saved per browser), see the
 * microphone's level, play a test tone; when the chosen device disappears (headset unplugged) fall back to
 * the system default with a banner, and move a running call to it.
 */
import { esc } from '../shared/format.js';
import { applyOutput, canChooseOutput, listAudioDevices, LevelMeter, loadDeviceChoice, playTestTone, saveDeviceChoice } from './devices.js';
import { t, zh } from './i18n/zh-CN.js';

const $ = (id) => document.getElementById(id);
const SILENT_DB = -70;

/**
 * @param {{ banner: (topic: string, level: string, text: string|null) => void, remoteAudio: HTMLAudioElement,
 *           phone: () => import('./phone.js').Phone | null }} opts
 */
export function createDevicePanel(opts) {
  let choice = loadDeviceChoice();
  const meter = new LevelMeter((db) => {
    const pct = Number.isFinite(db) ? Math.max(0, Math.min(100, ((db + 60) / 60) * 100)) : 0;
    $('dev-meter-bar').style.width = `${pct.toFixed(0)}%`;
    const el = $('dev-meter-db');
    el.dataset.db = Number.isFinite(db) ? db.toFixed(1) : '-inf';
    el.textContent = db < SILENT_DB ? zh.devices.silent : t(zh.devices.level, { db: db.toFixed(0) });
  });

  const status = (text) => { $('dev-status').textContent = text ?? ''; };
  const micText = (e) => zh.mic[e?.name] ?? t(zh.mic.other, { name: e?.name ?? String(e) });

  function options(list, selected) {
    return [`<option value="">${esc(zh.devices.default)}</option>`,
      ...list.map((d) => `<option value="${esc(d.id)}" ${d.id === selected ? 'selected' : ''}>${esc(d.label)}</option>`)].join('');
  }

  async function fill() {
    const { inputs, outputs } = await listAudioDevices();
    $('dev-input').innerHTML = options(inputs, choice.input);
    $('dev-output').innerHTML = options(outputs, choice.output);
    $('dev-output').disabled = !canChooseOutput();
    $('dev-test').disabled = false;
    if (inputs.length === 0) status(zh.devices.noInput);
    else if (!canChooseOutput()) status(zh.devices.noOutputChoice);
    else status('');
    return { inputs, outputs };
  }

  async function startMeter() {
    try {
      await meter.start($('dev-input').value);
    } catch (e) {
      status(micText(e));
    }
  }

  async function open() {
    await fill().catch((e) => status(micText(e)));
    $('devices').showModal();
    await startMeter();
  }

  function close() {
    meter.stop();
    $('devices').close();
  }

  async function save() {
    const before = choice;
    choice = { input: $('dev-input').value, output: $('dev-output').value };
    saveDeviceChoice(choice);
    await applyOutput(opts.remoteAudio, choice.output).catch((e) => status(micText(e)));
    if (before.input !== choice.input) await opts.phone()?.switchMicrophone().catch((e) => opts.banner('mic', 'error', micText(e)));
    opts.banner('action', 'ok', zh.devices.saved);
    close();
  }

  /** A chosen device that vanished: back to the default, say so, keep the call's audio going. */
  async function onDeviceChange() {
    const { inputs, outputs } = await listAudioDevices();
    if (inputs.length === 0) opts.banner('mic', 'error', zh.devices.noInput);
    else opts.banner('mic', '', null);
    if (choice.input && !inputs.some((d) => d.id === choice.input)) {
      choice = { ...choice, input: '' };
      saveDeviceChoice(choice);
      opts.banner('device', 'warn', zh.devices.inputGone);
      await opts.phone()?.switchMicrophone().catch((e) => opts.banner('mic', 'error', micText(e)));
    }
    if (choice.output && !outputs.some((d) => d.id === choice.output)) {
      choice = { ...choice, output: '' };
      saveDeviceChoice(choice);
      opts.banner('device', 'warn', zh.devices.outputGone);
      await applyOutput(opts.remoteAudio, '').catch(() => undefined);
    }
  }

  function init() {
    $('btn-devices').onclick = () => void open();
    $('dev-cancel').onclick = close;
    $('dev-save').onclick = () => void save();
    $('dev-input').onchange = () => void startMeter();
    $('dev-test').onclick = async () => {
      $('dev-test').disabled = true;
      status(zh.devices.testing);
      try {
        await playTestTone($('dev-output').value);
        status(zh.devices.tested);
      } catch (e) {
        status(micText(e));
      } finally {
        $('dev-test').disabled = false;
      }
    };
    $('devices').addEventListener('close', () => meter.stop());
    navigator.mediaDevices?.addEventListener?.('devicechange', () => void onDeviceChange().catch((e) => console.warn('device check failed', e)));
  }

  return {
    init,
    open,
    /** The chosen microphone's deviceId ('' = default). */
    input: () => choice.input,
    output: () => choice.output,
    /** Forget a chosen microphone that getUserMedia could not open (unplugged since it was chosen). */
    resetInput: () => { choice = { ...choice, input: '' }; saveDeviceChoice(choice); },
    applyOutput: () => applyOutput(opts.remoteAudio, choice.output),
  };
}
