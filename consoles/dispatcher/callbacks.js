/**
 * The dispatcher's "未接来电回拨" panel (docs/callbacks.md): the abandoned-call work list (open items and mine),
 * 认领 (POST /v1/callbacks/:id/claim), 释放, 回拨 and the outcome form (POST /v1/callbacks/:id/close).
 * 回拨 places the call with the page's own SIP.js user agent (phone.js), to sip:<number>@<domain>; Kamailio lets it
 * out through the trunk gateway only for a number this seat holds a claim for (403 otherwise), presenting the
 * centre's number, and records it like any call. The list is re-read every few seconds and after each action.
 */
import { Inviter, SessionState, UserAgent } from '/vendor/sip.js/index.js';
import { esc, formatClock, formatDuration } from '../shared/format.js';
import { cb } from './i18n/callbacks-zh-CN.js';
import { t } from './i18n/zh-CN.js';

const REFRESH_MS = 5000;

/**
 * @param {{ root: HTMLElement, api: ReturnType<import('../shared/api.js').createApi>, phone: () => any, me: () => string | undefined,
 *           errorText: (e: any) => string }} opts
 */
export function mountCallbacks({ root, api, phone, me, errorText }) {
  let items = [];
  let outbound = null; // { session, number, state, sinceMs, code }
  let formFor = null;
  let message = { level: '', text: '' };

  root.innerHTML = `
    <h2>${esc(cb.heading)} <button data-act="refresh">${esc(cb.refresh)}</button></h2>
    <div class="cb-status" data-testid="callback-status" aria-live="polite"></div>
    <table data-testid="callback-table">
      <thead><tr><th>${esc(cb.number)}</th><th>${esc(cb.abandonedAt)}</th><th>${esc(cb.wait)}</th><th>${esc(cb.queue)}</th>
        <th>${esc(cb.status)}</th><th>${esc(cb.holder)}</th><th>${esc(cb.actions)}</th></tr></thead>
      <tbody></tbody>
    </table>`;
  const tbody = root.querySelector('tbody');
  const status = root.querySelector('.cb-status');

  function say(level, text) { message = { level, text }; renderStatus(); }
  function failText(e) { return cb.errors[e?.code] ?? errorText(e); }

  function renderStatus() {
    let text = message.text;
    let level = message.level;
    if (outbound) {
      const vars = { number: outbound.number, time: formatDuration(Date.now() - outbound.sinceMs), code: outbound.code ?? '' };
      text = t(cb.callStates[outbound.state], vars);
      level = outbound.state === 'failed' ? 'error' : 'ok';
    }
    status.className = `cb-status banner ${level}`;
    status.classList.toggle('hidden', !text);
    status.textContent = text;
  }

  function actionsFor(i) {
    const mine = i.status === 'claimed' && i.claimed_by === me();
    const b = (act, label, cls = '') => `<button class="${cls}" data-act="${act}" data-id="${esc(i.id)}">${esc(label)}</button>`;
    if (i.status === 'open') return b('claim', cb.claim, 'primary');
    if (!mine) return '';
    const busy = outbound && (outbound.state === 'dialling' || outbound.state === 'talking');
    return [
      i.caller_number ? (busy && outbound.number === i.caller_number ? b('hangup', cb.hangup, 'stop') : b('dial', cb.dial, 'go')) : '',
      b('close-form', cb.close), b('release', cb.release),
    ].join(' ');
  }

  function outcomeForm(i) {
    return `<tr class="cb-form" data-form="${esc(i.id)}"><td colspan="7"><form data-id="${esc(i.id)}">
      <label>${esc(cb.outcome)} <select name="outcome" required>${Object.entries(cb.outcomes).filter(([k]) => k !== 'called_again')
        .map(([k, v]) => `<option value="${k}">${esc(v)}</option>`).join('')}</select></label>
      <label>${esc(cb.note)} <input name="note" maxlength="500"></label>
      <button class="primary" type="submit">${esc(cb.submit)}</button> <button type="button" data-act="close-cancel">${esc(cb.cancel)}</button>
    </form></td></tr>`;
  }

  function render() {
    tbody.innerHTML = items.length === 0 ? `<tr><td colspan="7" class="muted">${esc(cb.none)}</td></tr>` : items.map((i) => `
      <tr data-item="${esc(i.id)}" data-status="${esc(i.status)}">
        <td class="big">${esc(i.caller_number ?? cb.withheld)}</td><td>${esc(formatClock(i.abandoned_at))}</td>
        <td>${esc(formatDuration(i.wait_ms))}</td><td>${esc(i.queue_id ?? '—')}</td>
        <td data-col="status">${esc(cb.statuses[i.status] ?? i.status)}</td>
        <td>${i.claimed_by === me() ? esc(cb.mine) : esc(i.claimed_by_name ?? '—')}</td>
        <td data-col="actions">${actionsFor(i)}</td>
      </tr>${formFor === i.id ? outcomeForm(i) : ''}`).join('');
    renderStatus();
  }

  async function refresh() {
    try {
      const [open, mine] = await Promise.all([api.get('/v1/callbacks?status=open&limit=100'), api.get('/v1/callbacks?status=claimed&mine=true&limit=100')]);
      items = [...mine.items, ...open.items];
      if (formFor === null) render(); // re-drawing would wipe what the dispatcher is typing in the outcome form
      else renderStatus();
    } catch (e) {
      say('error', failText(e));
    }
  }

  async function act(fn, ok) {
    try {
      const res = await fn();
      if (ok) say('ok', ok(res));
    } catch (e) {
      say('error', failText(e));
    }
    await refresh();
  }

  function dial(number) {
    const p = phone();
    if (!p?.ua?.isConnected()) { say('error', cb.callStates.noPhone); return; }
    const target = UserAgent.makeURI(`sip:${number}@${p.opts.domain}`);
    const session = new Inviter(p.ua, target, { sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } });
    outbound = { session, number, state: 'dialling', sinceMs: Date.now(), code: null };
    session.stateChange.addListener((s) => {
      if (s === SessionState.Established) {
        outbound = { ...outbound, state: 'talking', sinceMs: Date.now() };
        p.attachRemoteAudio(session);
      } else if (s === SessionState.Terminated && outbound?.session === session) {
        outbound = outbound.state === 'talking' ? null : { ...outbound, state: 'failed' };
        if (!outbound) say('ok', cb.callStates.ended);
        setTimeout(() => { if (outbound?.session === session) { outbound = null; renderStatus(); } }, 8000);
      }
      render();
    });
    session.invite({
      requestDelegate: {
        onReject: (response) => {
          const code = response.message.statusCode;
          if (outbound?.session === session) outbound = { ...outbound, code };
          if (code === 403) { outbound = null; say('error', cb.callStates.refused); }
        },
      },
    }).catch((e) => { outbound = null; say('error', String(e?.message ?? e)); });
    render();
  }

  function hangup() {
    const s = outbound?.session;
    if (!s) return;
    if (s.state === SessionState.Established) void s.bye();
    else void s.cancel();
  }

  root.addEventListener('click', (ev) => {
    const el = ev.target.closest('[data-act]');
    if (!el) return;
    const id = el.dataset.id;
    const item = items.find((i) => i.id === id);
    switch (el.dataset.act) {
      case 'refresh': void refresh(); break;
      case 'claim': void act(() => api.post(`/v1/callbacks/${id}/claim`, {}),
        (r) => (r.authorisation ? t(cb.claimed, { number: r.item.caller_number ?? cb.withheld }) : t(cb.notAuthorised, { why: r.authorisation_error ?? '' }))); break;
      case 'release': void act(() => api.post(`/v1/callbacks/${id}/release`)); break;
      case 'dial': if (item?.caller_number) dial(item.caller_number); break;
      case 'hangup': hangup(); break;
      case 'close-form': formFor = id; render(); break;
      case 'close-cancel': formFor = null; render(); break;
      default: break;
    }
  });
  root.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const f = new FormData(form);
    const note = String(f.get('note') ?? '').trim();
    formFor = null;
    void act(() => api.post(`/v1/callbacks/${form.dataset.id}/close`, { outcome: String(f.get('outcome')), ...(note ? { note } : {}) }),
      (r) => t(cb.closed, { outcome: cb.outcomes[r.item.outcome] ?? r.item.outcome }));
  });

  const timer = setInterval(() => { void refresh(); }, REFRESH_MS);
  const clock = setInterval(() => { if (outbound?.state === 'talking') renderStatus(); }, 1000);
  void refresh();
  return { refresh, stop: () => { clearInterval(timer); clearInterval(clock); hangup(); } };
}
