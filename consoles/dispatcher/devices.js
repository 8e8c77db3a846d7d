/**
 * The dispatcher's headset: which microphone and which speaker/earpiece the softphone uses (remembered
 * per browser in localStorage), a live microphone level meter and a speaker test tone. No words here:
 * main.js shows Chinese text from i18n/zh-CN.js; errors keep their DOMException name.
 *   microphone: getUserMedia({audio: {deviceId: {exact}}}); speaker: HTMLMediaElement.setSinkId (and
 *   AudioContext.setSinkId for the recall replay, recall.js).
 */
const STORE = 'cti120.dispatcher.devices';

/** @returns {{ input: string, output: string }} '' = the system default */
export function loadDeviceChoice() {
  try {
    const v = JSON.parse(localStorage.getItem(STORE) ?? '{}');
    return { input: String(v.input ?? ''), output: String(v.output ?? '') };
  } catch (e) {
    console.warn('saved device choice unreadable, using defaults', e);
    return { input: '', output: '' };
  }
}

export function saveDeviceChoice(choice) {
  localStorage.setItem(STORE, JSON.stringify({ input: choice.input, output: choice.output }));
}

/** Audio inputs and outputs (labels are empty until the page has been given the microphone once). */
export async function listAudioDevices() {
  const all = await navigator.mediaDevices.enumerateDevices();
  const pick = (kind) => all.filter((d) => d.kind === kind && d.deviceId !== 'default' && d.deviceId !== 'communications')
    .map((d, i) => ({ id: d.deviceId, label: d.label || `${kind} ${i + 1}` }));
  return { inputs: pick('audioinput'), outputs: pick('audiooutput') };
}

export const canChooseOutput = () => typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

/** Routes an <audio> element to the chosen output; '' = default. Throws NotFoundError for a vanished device. */
export async function applyOutput(el, outputId) {
  if (!canChooseOutput()) return false;
  await el.setSinkId(outputId || '');
  return true;
}

/** dBFS of a block of samples (-Infinity for digital silence). */
export function rmsDbfs(samples) {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  const rms = Math.sqrt(sum / Math.max(1, samples.length));
  return rms > 0 ? 20 * Math.log10(rms) : -Infinity;
}

/** The chosen microphone's level, sampled every 100 ms while open (its own getUserMedia stream). */
export class LevelMeter {
  /** @param {(dbfs: number) => void} onLevel */
  constructor(onLevel) {
    this.onLevel = onLevel;
    this.stream = null;
    this.ctx = null;
    this.timer = null;
  }

  async start(inputId) {
    this.stop();
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: inputId ? { deviceId: { exact: inputId } } : true, video: false });
    this.ctx = new AudioContext();
    const analyser = this.ctx.createAnalyser();
    analyser.fftSize = 2048;
    this.ctx.createMediaStreamSource(this.stream).connect(analyser);
    const block = new Float32Array(analyser.fftSize);
    this.timer = setInterval(() => {
      analyser.getFloatTimeDomainData(block);
      this.onLevel(rmsDbfs(block));
    }, 100);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    void this.ctx?.close().catch(() => undefined);
    this.ctx = null;
  }
}

/** A 1 s 800 Hz tone on the chosen output; resolves when it has played. */
export async function playTestTone(outputId) {
  const ctx = new AudioContext();
  try {
    const dest = ctx.createMediaStreamDestination();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 800;
    gain.gain.value = 0.3;
    osc.connect(gain).connect(dest);
    const el = new Audio();
    el.srcObject = dest.stream;
    await applyOutput(el, outputId);
    osc.start();
    await el.play();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    osc.stop();
    el.pause();
    el.srcObject = null;
  } finally {
    await ctx.close().catch(() => undefined);
  }
}
