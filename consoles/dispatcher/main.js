/**
 * The dispatcher softphone page: log in (person + seat + the seat's SIP account), register the WebRTC
 * phone, seat state buttons with the time in state, the queue strip, the incoming-call pop-up, the call
 * panel and hotkeys; headset choice (device-panel.js), instant recall of the caller's last 30 s (recall.js),
 * hold with hold audio (POST /v1/calls/:id/hold). Live data comes from the event WebSocket (docs/events.md).
 */
import { createApi, login as apiLogin } from '../shared/api.js';
import { EventFeed } from '../shared/events.js';
import { esc, formatDuration, streamIdAgo } from '../shared/format.js';
import { applyEvent, callBySipCallId, createLiveState, queueRows } from '../shared/live-state.js';
import { createDevicePanel } from './device-panel.js';
import { ACTIONS, bindHotkeys, clearHotkeys, loadHotkeys, saveHotkeys } from './hotkeys.js';
import { t, zh } from './i18n/zh-CN.js';
import { Phone } from './phone.js';
import { IncomingPopup } from './popup.js';
import { mountCallbacks } from './callbacks.js';
import { mountTransfer } from './transfer.js';
import { mountCoach } from './coach.js';
import { mountConsult } from './consult.js';
import { Recall } from './recall.js';
import { banner } from '../shared/banner.js'; // topics: sip, reg, mic, events, recovery, action, failover
import { FailoverWatch } from './failover.js';

/** Waiting calls are at most this old (the queue's max lifetime is shorter), so this much replay finds them all. */
const REPLAY_MS = 30 * 60_000;
const LATE_WAIT_MS = 10_000;
const $ = (id) => document.getElementById(id);

const session = { token: sessionStorage.getItem('cti120.token'), user: null, seatId: null };
const api = createApi({ token: () => session.token, onUnauthorized: () => banner('auth', 'error', zh.errors.CTI_TOKEN_EXPIRED) });
const live = createLiveState();
let config = null;
let phone = null;
let feed = null;
let keys = {};
let seat = { state: 'logged_out', reason: null, sinceMs: Date.now() };
/** The transfer panel (transfer.js): mounted at login. */
let transfer = null;
/** The consultation and three-way panel (consult.js): mounted at login. */
let consult = null;
let call = null; // { sipCallId, number, state: 'ringing'|'answering'|'talking', talkingSinceMs, held, muted }
let registered = false;
let loggingOut = false;
const popup = new IncomingPopup(api, $('popup'));
// the event WebSocket is reopened after the phone recovered: one to a dead node of a pair never closes by itself
const failover = new FailoverWatch({ banner, onRecovered: () => feed?.reconnect() });
const devices = createDevicePanel({ banner, remoteAudio: $('remote-audio'), phone: () => phone });
/** The supervisor's whisper/barge-in on this seat's call (coach.js). */
const coach = mountCoach({ api, phone: () => phone, seatId: () => session.seatId, audio: $('coach-audio'), banner, errorText });
const recall = new Recall({ liveAudio: $('remote-audio'), output: () => devices.output(), onChange: renderRecall });

function translateStatic() {
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = el.dataset.i18n.split('.').reduce((o, k) => o?.[k], zh) ?? el.dataset.i18n;
  }
  document.title = zh.title;
  $('nr-reason').innerHTML = zh.notReadyReasons.map((r) => `<option value="${r}">${esc(zh.reasons[r])}</option>`).join('');
  $('dtmf').innerHTML = '123456789*0#'.split('').map((d) => `<button data-dtmf="${d}">${d}</button>`).join('');
}

function errorText(e) {
  return zh.errors[e?.code] ?? t(zh.errors.unknown, { code: e?.code ?? '?', message: e?.message ?? String(e) });
}

function setSeat(view) {
  seat = { state: view.state, reason: view.reason, sinceMs: Date.parse(view.since) || Date.now() };
  render();
}

function render() {
  const now = Date.now();
  const st = $('seat-state');
  st.textContent = zh.seatState[seat.state] + (seat.state === 'not_ready' && seat.reason ? ` · ${zh.reasons[seat.reason] ?? seat.reason}` : '');
  st.className = `badge state-${seat.state}`;
  $('seat-time').textContent = t(zh.status.inState, { time: formatDuration(now - seat.sinceMs) });
  const inCall = call !== null;
  $('btn-ready').disabled = inCall || seat.state === 'ready' || !registered;
  $('btn-notready').disabled = inCall || seat.state === 'talking' || seat.state === 'reserved';
  $('btn-answer').textContent = `${zh.buttons.answer} (${keys.answer ?? ''})`;
  $('btn-hangup').textContent = `${zh.buttons.hangup} (${keys.hangup ?? ''})`;
  $('btn-mute').textContent = `${call?.muted ? zh.buttons.unmute : zh.buttons.mute} (${keys.mute ?? ''})`;
  $('btn-hold').textContent = `${call?.held ? zh.buttons.unhold : zh.buttons.hold} (${keys.hold ?? ''})`;
  $('pop-answer').textContent = `${zh.buttons.answer} (${keys.answer ?? ''})`;
  $('pop-reject').textContent = `${zh.buttons.hangup} (${keys.hangup ?? ''})`;
  $('btn-answer').disabled = call?.state !== 'ringing';
  $('btn-hangup').disabled = !inCall;
  $('btn-recall').textContent = `${recall.state === 'replaying' ? zh.buttons.stopRecall : zh.buttons.recall} (${keys.recall ?? ''})`;
  $('btn-mute').disabled = $('btn-hold').disabled = $('btn-recall').disabled = call?.state !== 'talking';
  $('recall-buffer').textContent = call?.state === 'talking' && recall.state === 'buffering'
    ? t(zh.recall.buffering, { seconds: Math.floor(recall.seconds), key: keys.recall ?? '' }) : '';
  $('call-number').textContent = call ? (call.number || zh.popup.withheld) : '—';
  if (call?.state === 'talking') {
    $('call-timer').textContent = formatDuration(now - call.talkingSinceMs);
    $('call-status').textContent = t(zh.call.talking, { time: '' }).trim() + (call.held ? zh.call.held : '') + (call.muted ? zh.call.muted : '');
  } else {
    $('call-timer').textContent = '';
    $('call-status').textContent = call?.state === 'answering' ? zh.call.answering : call?.state === 'ringing' ? zh.popup.heading : zh.call.idle;
  }
  renderQueues(now);
  popup.tick();
  transfer?.refresh();
  consult?.refresh();
}

/** The replay indicator: shown while the dispatcher hears the replay instead of (over) the live caller. */
function renderRecall(s) {
  const el = $('recall');
  el.classList.toggle('hidden', s.state !== 'replaying');
  if (s.state === 'replaying') {
    el.dataset.seconds = s.seconds.toFixed(1);
    el.dataset.rmsDb = Number.isFinite(s.rmsDb) ? s.rmsDb.toFixed(1) : '-inf';
    $('recall-text').textContent = t(zh.recall.replaying, { seconds: s.seconds.toFixed(1), db: Number.isFinite(s.rmsDb) ? s.rmsDb.toFixed(0) : '-∞' });
  }
  if (call) render();
}

function renderQueues(now) {
  const rows = queueRows(live, now).filter((q) => q.waiting > 0 || q.id);
  $('queue-strip').innerHTML = rows.length === 0 ? `<span class="muted">${esc(zh.queues.none)}</span>` : rows.map((q) =>
    `<div class="q ${q.waiting ? 'busy' : ''} ${q.longestWaitMs > LATE_WAIT_MS ? 'late' : ''}" data-queue="${esc(q.id)}"><b>${esc(q.id || zh.queues.unknown)}</b>
      ${esc(t(zh.queues.waiting, { n: q.waiting }))} · ${esc(t(zh.queues.longest, { time: q.waiting ? formatDuration(q.longestWaitMs) : '--:--' }))}</div>`).join('');
}

async function seatAction(path, body) {
  try {
    setSeat(await api.post(`/v1/seats/${encodeURIComponent(session.seatId)}/${path}`, body));
    banner('action', '', null);
  } catch (e) {
    banner('action', 'error', errorText(e));
  }
}

function onPhone(type, d) {
  // the phone's story in the browser console, with the time: what a support engineer asks for after an incident
  if (type !== 'remote-stream') console.info(`[phone] ${new Date().toISOString()} ${type} ${d.state ?? ''}`);
  switch (type) {
    case 'transport':
      // after a loss the dispatcher still learns that it happened, however quickly the phone got back
      if (d.state === 'connected') banner('sip', 'ok', failover.lostSinceMs === null ? zh.status.sipConnected : zh.status.sipReconnected);
      else if (d.state === 'connecting') banner('sip', 'warn', zh.status.sipConnecting);
      else if (d.state === 'reconnecting') banner('sip', 'error', t(zh.status.sipReconnecting, { n: d.attempt }));
      else {
        // disconnected, or silent (the server stopped answering on an open socket): no calls can reach this seat
        failover.lost(d.lastAliveMs);
        banner('sip', 'error', d.state === 'silent' ? zh.status.sipSilent : zh.status.sipDisconnected);
        banner('reg', 'warn', zh.status.unregistered);
        registered = false;
      }
      break;
    case 'registration':
      registered = d.state === 'registered';
      if (d.state === 'registered') {
        banner('reg', 'ok', zh.status.registered);
        setTimeout(() => banner('sip', '', null), 1500);
        void failover.registered();
      }
      else if (d.state === 'failed') banner('reg', 'error', d.status === 401 || d.status === 403 ? zh.status.regFailedAuth : t(zh.status.regFailed, d));
      else banner('reg', 'warn', zh.status.unregistered);
      break;
    case 'incoming': {
      call = { sipCallId: d.sipCallId, number: d.number, state: 'ringing', talkingSinceMs: 0, held: false, muted: false };
      const known = callBySipCallId(live, d.sipCallId);
      void popup.show(d, { arrivedMs: known?.arrivedMs, queueId: known?.queueId }, keys);
      break;
    }
    case 'call':
      if (!call || call.sipCallId !== d.sipCallId) break;
      if (d.state === 'answering') call.state = 'answering';
      else if (d.state === 'talking') { call.state = 'talking'; call.talkingSinceMs = Date.now(); popup.close(); }
      else { call = null; popup.close(); banner('recovery', '', null); banner('hold', '', null); recall.detach(); coach.reset(); }
      break;
    case 'media-error':
      banner('mic', 'error', zh.mic[d.name] ?? t(zh.mic.other, d));
      break;
    case 'recovery':
      if (d.state === 'started') banner('recovery', 'warn', zh.status.recovering);
      else if (d.state === 'done') banner('recovery', 'ok', zh.status.recovered);
      else banner('recovery', 'error', t(zh.status.recoverFailed, d));
      break;
    case 'hold': if (call) call.held = d.on; break;
    case 'remote-stream':
      if (d.stream) void recall.attach(d.stream).catch((e) => console.warn('instant recall unavailable', e));
      else recall.detach();
      break;
    case 'mute': if (call) call.muted = d.on; break;
    default: break;
  }
  render();
}

/** The microphone is checked before the seat goes live: a seat that cannot speak must not take 120 calls. */
async function checkMicrophone() {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error('insecure'), { mic: zh.mic.insecure });
  const open = (input) => navigator.mediaDevices.getUserMedia({ audio: input ? { deviceId: { exact: input } } : true, video: false });
  try {
    let stream;
    try {
      stream = await open(devices.input());
    } catch (e) {
      if (!devices.input() || !/Overconstrained|NotFound/.test(e.name)) throw e;
      devices.resetInput(); // the headset chosen last time is gone: the default device, and say so
      banner('device', 'warn', zh.mic.OverconstrainedError);
      stream = await open('');
    }
    for (const track of stream.getTracks()) track.stop();
  } catch (e) {
    throw Object.assign(new Error(e.name), { mic: zh.mic[e.name] ?? t(zh.mic.other, { name: e.name }) });
  }
}

function instanceIdFor(seatId) {
  const k = `cti120.instance.${seatId}`;
  let id = localStorage.getItem(k);
  if (!id) { id = crypto.randomUUID(); localStorage.setItem(k, id); }
  return id;
}

async function onLogin(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const seatId = String(f.get('seat')).trim();
  $('login-error').textContent = '';
  $('login-submit').disabled = true;
  $('login-submit').textContent = zh.login.busy;
  try {
    await checkMicrophone();
    const res = await apiLogin(String(f.get('username')), String(f.get('password')));
    session.token = res.token;
    session.user = res.user ?? { username: f.get('username') };
    session.seatId = seatId;
    sessionStorage.setItem('cti120.token', res.token);
    localStorage.setItem('cti120.dispatcher.last', JSON.stringify({ username: f.get('username'), seat: seatId, sip_user: f.get('sip_user') }));
    config = await api.get('/v1/consoles/config');
    keys = loadHotkeys(config.hotkeys);
    failover.setNode(config.node);
    setSeat(await api.post(`/v1/seats/${encodeURIComponent(seatId)}/login`));
    startFeed();
    phone = new Phone({
      wsUrl: config.sip.ws_url, domain: config.sip.domain, user: String(f.get('sip_user')).trim(), password: String(f.get('sip_password')),
      displayName: seatId, instanceId: instanceIdFor(seatId), iceServers: config.ice_servers, remoteAudio: $('remote-audio'),
      microphone: () => devices.input(),
    }, onPhone);
    await devices.applyOutput().catch((e) => banner('device', 'warn', zh.devices.outputGone + ` (${e.name})`));
    $('login').classList.add('hidden');
    $('app').classList.remove('hidden');
    $('seat-label').textContent = t(zh.header.seat, { seat: seatId });
    $('user-label').textContent = t(zh.header.user, { user: session.user.display_name ?? session.user.username ?? '' });
    $('f-sippass').value = '';
    mountCallbacks({ root: $('callbacks-panel'), api, phone: () => phone, me: () => session.user?.id, errorText });
    transfer = mountTransfer({
      root: $('transfer-panel'), api, phone: () => phone, callId: currentCallId, talking: () => call?.state === 'talking', errorText, hotkeys: () => keys,
    });
    consult = mountConsult({ root: $('consult-panel'), api, phone: () => phone, callId: currentCallId, talking: () => call?.state === 'talking', errorText });
    await phone.start();
  } catch (e) {
    $('login-error').textContent = e.mic ?? t(zh.login.failed, { msg: errorText(e) });
  } finally {
    $('login-submit').disabled = false;
    $('login-submit').textContent = zh.login.submit;
  }
}

function startFeed() {
  feed = new EventFeed({
    token: () => session.token,
    since: streamIdAgo(REPLAY_MS),
    types: 'call.*,seat.state_changed.v1',
    onEvent: (msg) => {
      applyEvent(live, msg);
      if (popup.current) popup.learn(callBySipCallId(live, popup.current));
      const e = msg.event;
      transfer?.onEvent(e);
      coach.onEvent(e);
      if (e.type === 'seat.state_changed.v1' && e.data.seat_id === session.seatId && Date.parse(e.data.since) >= seat.sinceMs) {
        setSeat({ state: e.data.to, reason: e.data.reason, since: e.data.since });
        if (e.data.to === 'logged_out' && !loggingOut) void onForcedLogout();
      }
      if ((e.type === 'call.held.v1' || e.type === 'call.resumed.v1') && call?.state === 'talking'
        && (call.id ?? callBySipCallId(live, call.sipCallId)?.id) === e.data.call_id) {
        // held or resumed by a supervisor (or this page): the microphone follows what the caller hears
        const on = e.type === 'call.held.v1';
        if (call.held !== on) phone?.setHeld(on);
        if (on) banner('hold', 'warn', zh.hold.held);
        else banner('hold', '', null);
        render();
      }
    },
    onStatus: (s) => {
      if (s === 'open') banner('events', '', null);
      else if (s === 'closed') banner('events', 'warn', zh.status.eventsClosed);
    },
  }).start();
}

/** A supervisor logged this seat out: the phone unregisters (the server also removed the binding) and stops. */
async function onForcedLogout() {
  recall.detach();
  await phone?.stop().catch((e) => console.warn('phone stop failed', e));
  phone = null;
  registered = false;
  banner('reg', 'warn', zh.status.unregistered);
  banner('forced', 'error', zh.status.forcedLogout);
  render();
}

async function onLogout() {
  loggingOut = true;
  await phone?.stop().catch((e) => console.warn('phone stop failed', e));
  phone = null;
  feed?.stop();
  try {
    await api.post(`/v1/seats/${encodeURIComponent(session.seatId)}/logout`);
  } catch (e) {
    banner('action', 'error', errorText(e));
    loggingOut = false;
    return;
  }
  await api.post('/v1/auth/logout').catch(() => undefined);
  sessionStorage.removeItem('cti120.token');
  location.reload();
}

const actions = {
  answer: () => { if (call?.state === 'ringing') void phone?.answer(); },
  hangup: () => { if (call) void phone?.hangup(); },
  mute: () => { if (call?.state === 'talking') phone?.setMute(!call.muted); },
  hold: () => { if (call?.state === 'talking') void toggleHold(); },
  recall: () => { if (call?.state === 'talking') void replayRecall(); },
  ready: () => { if (!$('btn-ready').disabled) void seatAction('ready'); },
  not_ready: () => { if (!$('btn-notready').disabled) void seatAction('not-ready', { reason: $('nr-reason').value }); },
  // one-key transfers to 110 / 119 / 122 (transfer.js)
  xfer_110: () => transfer?.hotkey('xfer_110'),
  xfer_119: () => transfer?.hotkey('xfer_119'),
  xfer_122: () => transfer?.hotkey('xfer_122'),
};

/** The control-plane id of the current call: from the event feed, else asked by SIP Call-ID. */
async function currentCallId() {
  if (!call) return null;
  if (call.id) return call.id;
  const known = callBySipCallId(live, call.sipCallId);
  if (known?.id) return (call.id = known.id);
  const page = await api.get(`/v1/calls?sip_call_id=${encodeURIComponent(call.sipCallId)}&limit=1`);
  return (call.id = page.items?.[0]?.id ?? null);
}

/** Hold: the control plane plays the hold audio to the caller first; only then the microphone goes off. Resume in reverse. */
async function toggleHold() {
  const on = !call.held;
  $('btn-hold').disabled = true;
  try {
    const id = await currentCallId();
    if (!id) throw Object.assign(new Error('call not known yet'), { code: 'CTI_CALL_NOT_TALKING' });
    const res = await api.post(`/v1/calls/${encodeURIComponent(id)}/hold`, { on });
    phone?.setHeld(res.held);
    if (res.held) banner('hold', 'warn', zh.hold.held);
    else banner('hold', '', null);
  } catch (e) {
    banner('hold', 'error', t(on ? zh.hold.failed : zh.hold.resumeFailed, { msg: errorText(e) }));
  } finally {
    render();
  }
}

async function replayRecall() {
  try {
    const r = await recall.replay();
    if (r && r.seconds === 0) banner('action', 'warn', zh.recall.empty);
  } catch (e) {
    banner('action', 'error', t(zh.errors.unknown, { code: e?.name ?? '?', message: e?.message ?? String(e) }));
  }
}

function openHotkeys() {
  const draft = { ...keys };
  $('hotkey-table').innerHTML = ACTIONS.map((a) => `<tr><th>${esc(zh.hotkeys[a])}</th><td><input data-action="${a}" value="${esc(draft[a] ?? '')}" readonly></td></tr>`).join('');
  for (const input of $('hotkey-table').querySelectorAll('input')) {
    input.addEventListener('keydown', (e) => { e.preventDefault(); e.stopPropagation(); input.value = e.key; draft[input.dataset.action] = e.key; });
  }
  $('hk-save').onclick = () => { keys = draft; saveHotkeys(draft); $('hotkeys').close(); banner('action', 'ok', zh.hotkeys.saved); render(); };
  $('hk-reset').onclick = () => { clearHotkeys(); keys = loadHotkeys(config.hotkeys); $('hotkeys').close(); render(); };
  $('hk-cancel').onclick = () => $('hotkeys').close();
  $('hotkeys').showModal();
}

function init() {
  translateStatic();
  const last = JSON.parse(localStorage.getItem('cti120.dispatcher.last') ?? '{}');
  if (last.username) $('f-user').value = last.username;
  if (last.seat) $('f-seat').value = last.seat;
  if (last.sip_user) $('f-sipuser').value = last.sip_user;
  $('login-form').addEventListener('submit', onLogin);
  $('btn-ready').onclick = actions.ready;
  $('btn-notready').onclick = actions.not_ready;
  $('btn-logout').onclick = () => void onLogout();
  $('btn-settings').onclick = openHotkeys;
  $('btn-answer').onclick = $('pop-answer').onclick = actions.answer;
  $('btn-hangup').onclick = $('pop-reject').onclick = actions.hangup;
  $('btn-mute').onclick = actions.mute;
  $('btn-hold').onclick = actions.hold;
  $('btn-recall').onclick = actions.recall;
  $('recall-stop').onclick = () => recall.stop();
  devices.init();
  window.addEventListener('offline', () => banner('net', 'error', zh.status.offline));
  window.addEventListener('online', () => banner('net', '', null));
  $('dtmf').addEventListener('click', (e) => { const d = e.target?.dataset?.dtmf; if (d) void phone?.sendDtmf(d); });
  bindHotkeys(() => keys, actions, () => $('hotkeys').open || $('devices').open || $('app').classList.contains('hidden'));
  // a page closed mid-call never hangs up on the caller: the browser asks first, and a page that goes anyway leaves
  // the caller to the control plane, which brings it back to the queue (docs/consoles.md "Page closed mid-call")
  window.addEventListener('beforeunload', (e) => {
    if (phone?.session) {
      e.preventDefault();
      e.returnValue = '';
      return;
    }
    void phone?.stop();
  });
  setInterval(render, 1000);
}

init();
