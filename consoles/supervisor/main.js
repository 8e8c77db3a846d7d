/**
 * The supervisor console: a live wallboard folded from the event WebSocket (queues: waiting, longest
 * wait, today's answered within 10 s and abandoned; seats: state, time in state, current call and its
 * duration), forcing a seat not-ready or logged out, and the abandoned-call (callback) list; today's
 * service level; queue alarms (lit and sounded); and the panels for queue settings (queue-admin.js),
 * screening lists and proposals (screening.js) and surge seats (surge.js).
 * Start-up: GET /v1/seat-states, then the event stream replayed from local midnight and followed live.
 */
import { createApi, login as apiLogin } from '../shared/api.js';
import { EventFeed } from '../shared/events.js';
import { esc, formatClock, formatDuration, midnightStreamId } from '../shared/format.js';
import { applyEvent, applySeatSnapshot, createLiveState, queueRows, seatRows } from '../shared/live-state.js';
import { t, zh } from './i18n/zh-CN.js';
import { createAlarms } from './alarms.js';
import { createListen } from './listen.js';
import { createCoach } from './coach.js';
import { createQueueAdmin } from './queue-admin.js';
import { createScreening } from './screening.js';
import { createServiceLevel } from './service-level.js';
import { createSurgePanel } from './surge.js';
import { createAbandonedPanel } from './abandoned.js';
import { createHaPanel } from './ha.js';
import { $, banner, errorText } from './ui.js';

const LATE_WAIT_MS = 10_000;
const session = { token: null };
const api = createApi({ token: () => session.token, onUnauthorized: () => banner('auth', 'error', zh.errors.CTI_TOKEN_EXPIRED) });
let live = createLiveState();
let feed = null;
let abandonedTimer = null;
const alarms = createAlarms({ api, onChange: () => queueAdmin.render() });
const queueAdmin = createQueueAdmin({ api, alarms });
const serviceLevel = createServiceLevel({ api });
const screening = createScreening({ api });
const surge = createSurgePanel({ api });
const panels = { queues: queueAdmin, screening, surge, callbacks: createAbandonedPanel({ api, root: $('panel-callbacks') }), ha: createHaPanel({ api, root: $('panel-ha') }) };
const listen = createListen({ api, onEnd: () => coach.onListenEnded() });
const coach = createCoach({ api, listen });

function translateStatic() {
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = el.dataset.i18n.split('.').reduce((o, k) => o?.[k], zh) ?? el.dataset.i18n;
  }
  document.title = zh.title;
}

/** Shows one panel; the alarm strip and banners stay above all of them. */
function showTab(name) {
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.tab === name);
  for (const p of document.querySelectorAll('[data-panel]')) p.classList.toggle('hidden', p.dataset.panel !== name);
  void panels[name]?.load();
}

const pct = (x) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

function render() {
  const now = Date.now();
  $('clock').textContent = formatClock(new Date(now).toISOString());
  const queues = queueRows(live, now);
  $('queue-rows').innerHTML = queues.length === 0 ? `<tr><td colspan="8" class="muted">${esc(zh.queues.none)}</td></tr>` : queues.map((q) => `
    <tr data-queue="${esc(q.id)}" class="${q.longestWaitMs > LATE_WAIT_MS ? 'late' : ''}">
      <td>${esc(q.id || zh.queues.unknown)}</td><td class="num" data-col="waiting">${q.waiting}</td>
      <td class="num wait" data-col="longest">${q.waiting ? formatDuration(q.longestWaitMs) : '--:--'}</td>
      <td data-col="offered">${q.offered}</td><td data-col="answered">${q.answered}</td><td data-col="in-target">${q.answeredInTarget}</td>
      <td data-col="service-level">${pct(q.serviceLevel)}</td><td data-col="abandoned">${q.abandoned}</td>
    </tr>`).join('');
  const seats = seatRows(live, now);
  $('seat-rows').innerHTML = seats.length === 0 ? `<tr><td colspan="7" class="muted">${esc(zh.seats.none)}</td></tr>` : seats.map((s) => {
    const reason = s.state === 'not_ready' && s.reason ? ` · ${zh.reasons[s.reason] ?? s.reason}` : '';
    const reg = s.registered === null ? zh.seats.unknown : s.registered ? zh.seats.yes : zh.seats.no;
    const canAct = s.state !== 'talking' && s.state !== 'reserved';
    return `<tr data-seat="${esc(s.id)}" data-state="${esc(s.state)}">
      <td>${esc(s.id)}</td>
      <td><span class="badge state-${esc(s.state)}" data-col="state">${esc((zh.seatState[s.state] ?? s.state) + reason)}</span></td>
      <td data-col="in-state">${s.inStateMs === null ? '—' : formatDuration(s.inStateMs)}</td>
      <td>${esc(reg)}</td>
      <td data-col="caller">${s.callId ? esc(s.callerNumber ?? zh.abandoned.withheld) : ''}</td>
      <td data-col="talk">${s.talkMs === null ? '' : formatDuration(s.talkMs)}</td>
      <td>${s.state === 'logged_out' ? '' : `
        <button data-act="not-ready" data-seat="${esc(s.id)}" ${canAct && s.state !== 'not_ready' ? '' : 'disabled'}>${esc(zh.seats.forceNotReady)}</button>
        <button data-act="logout" data-seat="${esc(s.id)}" ${canAct ? '' : 'disabled'}>${esc(zh.seats.forceLogout)}</button>
        ${s.state === 'talking' && s.callId ? ['listen', 'whisper', 'barge'].map((act) => `<button data-act="${act}" data-seat="${esc(s.id)}" data-call="${esc(s.callId)}" ${act === 'listen' && listen.callId() === s.callId ? 'disabled' : ''}>${esc(zh.seats[act])}</button>`).join('') : ''}`}</td>
    </tr>`;
  }).join('');
}

async function loadAbandoned() {
  try {
    const page = await api.get('/v1/calls/abandoned?limit=50');
    $('abandoned-rows').innerHTML = page.items.length === 0 ? `<tr><td colspan="5" class="muted">${esc(zh.abandoned.none)}</td></tr>` : page.items.map((a) => `
      <tr data-call="${esc(a.call_id)}"><td>${esc(formatClock(a.abandoned_at))}</td><td>${esc(a.caller_number ?? zh.abandoned.withheld)}</td>
        <td>${esc(a.queue_id ?? zh.queues.unknown)}</td><td>${formatDuration(a.wait_ms)}</td><td>${esc(zh.abandoned.statuses[a.status] ?? a.status)}</td></tr>`).join('');
  } catch (e) {
    banner('abandoned', 'error', errorText(e));
  }
}

async function forceSeat(seatId, act) {
  if (act === 'logout' && !confirm(t(zh.seats.confirmLogout, { seat: seatId }))) return;
  try {
    const body = act === 'not-ready' ? { reason: 'supervisor' } : {};
    const view = await api.post(`/v1/seats/${encodeURIComponent(seatId)}/${act}`, body);
    applySeatSnapshot(live, [view]);
    banner('action', 'ok', t(zh.status.done, { what: `${seatId} · ${zh.seatState[view.state] ?? view.state}` }));
  } catch (e) {
    banner('action', 'error', errorText(e));
  }
  render();
}

async function start() {
  live = createLiveState();
  applySeatSnapshot(live, await api.get('/v1/seat-states'));
  feed = new EventFeed({
    token: () => session.token,
    since: midnightStreamId(),
    types: 'call.*,seat.*,alarm.*,screening.*,ha.*',
    onEvent: (msg) => {
      if (alarms.onEvent(msg)) return;
      if (panels.ha.onEvent(msg)) return;
      screening.onEvent(msg);
      listen.onEvent(msg);
      coach.onEvent(msg);
      applyEvent(live, msg);
      const type = msg.event.type;
      if (type === 'call.abandoned.v1') {
        clearTimeout(abandonedTimer);
        abandonedTimer = setTimeout(loadAbandoned, 300);
      }
      if (type === 'call.answered.v1' || type === 'call.abandoned.v1' || type === 'call.ended.v1') serviceLevel.poke();
    },
    onStatus: (s) => {
      if (s === 'open') banner('events', 'ok', zh.status.eventsOpen);
      else if (s === 'closed') banner('events', 'warn', zh.status.eventsClosed);
    },
  }).start();
  await Promise.all([loadAbandoned(), alarms.load().catch((e) => banner('alarms', 'error', errorText(e)))]);
  serviceLevel.start();
  queueAdmin.start();
  render();
}

async function onLogin(ev) {
  ev.preventDefault();
  const f = new FormData(ev.target);
  $('login-error').textContent = '';
  $('login-submit').disabled = true;
  $('login-submit').textContent = zh.login.busy;
  alarms.sound.unlock();
  try {
    const res = await apiLogin(String(f.get('username')), String(f.get('password')));
    session.token = res.token;
    $('user-label').textContent = t(zh.header.user, { user: res.user?.display_name ?? res.user?.username ?? '' });
    await start();
    $('login').classList.add('hidden');
    $('app').classList.remove('hidden');
  } catch (e) {
    session.token = null;
    $('login-error').textContent = t(zh.login.failed, { msg: errorText(e) });
  } finally {
    $('login-submit').disabled = false;
    $('login-submit').textContent = zh.login.submit;
  }
}

function init() {
  translateStatic();
  $('login-form').addEventListener('submit', onLogin);
  $('btn-logout').onclick = async () => {
    feed?.stop();
    await api.post('/v1/auth/logout').catch(() => undefined);
    location.reload();
  };
  $('seat-rows').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-act]');
    if (b && !b.disabled && b.dataset.act === 'listen') void listen.start(b.dataset.call, b.dataset.seat).then(render).then(coach.render);
    else if (b && !b.disabled && (b.dataset.act === 'whisper' || b.dataset.act === 'barge')) void coach.begin(b.dataset.call, b.dataset.seat, b.dataset.act).then(render);
    else if (b && !b.disabled) void forceSeat(b.dataset.seat, b.dataset.act);
  });
  $('tabs').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-tab]');
    if (b) showTab(b.dataset.tab);
  });
  $('btn-mute').onclick = () => {
    const muted = alarms.toggleMute();
    $('btn-mute').textContent = muted ? zh.alarms.unmute : zh.alarms.mute;
    $('btn-mute').classList.toggle('active', muted);
  };
  listen.init();
  coach.init();
  queueAdmin.init();
  screening.init();
  surge.init();
  setInterval(render, 1000);
}

init();
