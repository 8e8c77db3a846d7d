/**
 * The dispatcher's consultation and three-way panel (docs/mixer.md "Consultative transfer", "The dispatcher
 * leaves"). For each outside number or centre of the linkage directory with a speed key (110, 119, 122 …):
 * 咨询 (POST /v1/calls/:id/consultations: the caller hears the hold audio while this seat and the target talk) and
 * 三方 (POST /v1/calls/:id/three-way). Either answer carries an anchor token: the page's phone sends its re-INVITE
 * with it (phone.anchor). While a consultation is open the panel follows GET /v1/calls/:id/consultations each second
 * and offers 完成转接 / 转为三方通话 / 接回来电; in a three-way it lists the room's parties (GET /v1/conferences/:room)
 * with 挂断该方, and 退出三方 (POST /v1/calls/:id/three-way/leave, then the phone hangs up: Kamailio answers that BYE,
 * the caller talks on). Its own panel: transfer.js (helper 1's) exported no hook for a second file when this was made.
 */
import { esc } from '../shared/format.js';
import { t } from './i18n/zh-CN.js';
import { cs } from './i18n/consult-zh-CN.js';

const POLL_MS = 1000;
const OPEN = new Set(['requested', 'dialling', 'talking', 'target_failed']);

/**
 * @param {{ root: HTMLElement, api: ReturnType<import('../shared/api.js').createApi>, phone: () => any,
 *           callId: () => Promise<string | null>, talking: () => boolean, errorText: (e: any) => string }} opts
 * @returns {{ refresh: () => void }}
 */
export function mountConsult({ root, api, phone, callId, talking, errorText }) {
  let entries = [];
  /** { callId, roomId, name, mode: 'consult' | 'three_way', phase, parties } */
  let cur = null;
  let poll = null;
  let shown = null;

  root.innerHTML = `
    <h2>${esc(cs.heading)}</h2>
    <div class="cs-keys" data-testid="consult-keys"></div>
    <div class="cs-actions" data-testid="consult-actions"></div>
    <ul class="cs-parties" data-testid="consult-parties"></ul>
    <div class="cs-status" data-testid="consult-status" role="status" aria-live="polite"></div>`;
  const [keys, actions, parties, status] = ['.cs-keys', '.cs-actions', '.cs-parties', '.cs-status'].map((sel) => root.querySelector(sel));

  const say = (level, text) => { status.className = `cs-status ${level}`; status.textContent = text; };
  const button = (act, label, extra = '') => `<button data-act="${act}" data-testid="consult-${act}" ${extra}>${esc(label)}</button>`;

  function render() {
    const free = talking() && !cur;
    shown = free;
    const dialable = entries.filter((d) => d.speed_key && (d.kind === 'number' || d.kind === 'centre'));
    keys.innerHTML = dialable.length === 0 ? `<span class="muted">${esc(cs.none)}</span>` : dialable.map((d) => `<span class="cs-entry">${esc(d.speed_key)} ${esc(d.name)}
      <button data-act="consult" data-id="${esc(d.id)}" data-testid="consult-start-${esc(d.speed_key)}" ${free ? '' : 'disabled'}>${esc(cs.consult)}</button>
      <button data-act="three-way" data-id="${esc(d.id)}" data-testid="three-way-start-${esc(d.speed_key)}" ${free ? '' : 'disabled'}>${esc(cs.threeWay)}</button></span>`).join('');
    const p = cur?.phase;
    actions.innerHTML = !cur ? ''
      : cur.mode === 'consult' && OPEN.has(p) ? [button('complete', cs.complete, p === 'talking' ? '' : 'disabled'), button('merge', cs.merge, p === 'talking' ? '' : 'disabled'),
        button('cancel', cs.cancel, p === 'requested' ? 'disabled' : '')].join(' ')
        : button('leave', cs.leave);
    parties.innerHTML = (cur?.parties ?? []).map((x) => `<li>${esc(x.anchored === 'caller' ? cs.caller : x.anchored === 'seat' ? cs.seat : x.party ?? '')}
      <span class="muted">${esc(x.state)}</span>${x.anchored ? '' : ` <button data-act="drop" data-pid="${esc(x.participant_id)}" data-testid="consult-drop-${esc(x.party ?? '')}">${esc(cs.drop)}</button>`}</li>`).join('');
  }

  async function load() {
    try {
      entries = (await api.get('/v1/linkage/destinations')).items ?? [];
    } catch (e) {
      say('error', errorText(e));
    }
    render();
  }

  function stop(text, level = 'ok') {
    if (poll) clearInterval(poll);
    poll = null;
    cur = null;
    if (text) say(level, text);
    render();
  }

  async function start(mode, destinationId) {
    const entry = entries.find((d) => d.id === destinationId);
    const id = await callId();
    if (!entry || cur || !talking() || !id) { if (!id) say('error', cs.needCall); return; }
    let started;
    try {
      started = await api.post(`/v1/calls/${encodeURIComponent(id)}/${mode === 'consult' ? 'consultations' : 'three-way'}`, { destination: { destination_id: destinationId } });
    } catch (e) {
      say('error', cs.errors[e?.code] ?? errorText(e)); // nothing changed
      return;
    }
    cur = { callId: id, roomId: started.room_id, name: entry.name, mode: mode === 'consult' ? 'consult' : 'three_way', phase: 'requested', parties: [] };
    say('warn', t(cs.phases.requested, { name: entry.name }));
    render();
    try {
      // no token: caller and seat are in the room already (a second consultation), nothing for the phone to send
      if (started.anchor) await phone()?.anchor(started.anchor.header, started.anchor.token);
    } catch (e) {
      stop(t(cs.phoneFailed, { msg: errorText(e) }), 'error'); // the control plane's token expires: the call stays as it was
      return;
    }
    poll = setInterval(() => void follow(), POLL_MS);
  }

  async function follow() {
    if (!cur) return;
    const c = cur;
    try {
      const room = await api.get(`/v1/conferences/${encodeURIComponent(c.roomId)}`);
      c.parties = room.participants ?? [];
      if (c.mode === 'consult') {
        const v = await api.get(`/v1/calls/${encodeURIComponent(c.callId)}/consultations`);
        c.phase = v.phase;
        if (v.phase === 'merged') c.mode = 'three_way';
        const level = v.phase === 'target_failed' || v.phase === 'failed' ? 'error' : v.phase === 'talking' ? 'ok' : 'warn';
        say(level, t(cs.phases[v.phase] ?? v.phase, { name: c.name, reason: cs.reasons[v.target_failure] ?? v.target_failure ?? '' }));
        if (v.phase === 'cancelled' || v.phase === 'requeued' || v.phase === 'failed' || v.phase === 'ended') return stop(null);
      } else {
        say('ok', cs.threeWayOn);
      }
      render();
    } catch (e) {
      if (e?.code === 'CTI_CONFERENCE_NOT_FOUND' || e?.code === 'CTI_CALL_NOT_FOUND') stop(cs.phases.ended);
    }
  }

  async function act(action, pid) {
    if (!cur) return;
    const c = cur;
    try {
      if (action === 'drop') {
        await api.del(`/v1/conferences/${encodeURIComponent(c.roomId)}/participants/${encodeURIComponent(pid)}`);
      } else if (action === 'leave') {
        await api.post(`/v1/calls/${encodeURIComponent(c.callId)}/three-way/leave`, {});
        await phone()?.hangup(); // answered by Kamailio: the caller talks on
        return stop(cs.left);
      } else {
        const v = await api.post(`/v1/calls/${encodeURIComponent(c.callId)}/consultations/${action}`, {});
        if (v.phase === 'completed') {
          await phone()?.hangup();
          return stop(t(cs.phases.completed, { name: c.name }));
        }
      }
      await follow();
    } catch (e) {
      say('error', cs.errors[e?.code] ?? errorText(e));
    }
  }

  root.addEventListener('click', (ev) => {
    const b = ev.target?.closest?.('button[data-act]');
    if (!b) return;
    const a = b.dataset.act;
    if (a === 'consult' || a === 'three-way') void start(a, b.dataset.id);
    else void act(a, b.dataset.pid);
  });
  void load();

  return {
    refresh() {
      if (cur && !talking()) return stop(null);
      const free = talking() && !cur;
      // a call connected: the directory is read again (an admin may have changed it since the page opened), as transfer.js
      if (free === shown) return;
      if (free) void load();
      else render();
    },
  };
}
