/**
 * The supervisor's callback panel (docs/callbacks.md): every item of the abandoned-call work list with its holder,
 * outcome and callback call; 改派 (POST /v1/callbacks/:id/reassign, to a dispatcher from GET /v1/callbacks/assignees),
 * 释放 and 关闭 with an outcome (POST /v1/callbacks/:id/close). Mounts itself into `root` on first load.
 */
import { esc, formatClock, formatDuration } from '../shared/format.js';
import { ab } from './i18n/abandoned-zh-CN.js';
import { banner, errorText } from './ui.js';

export function createAbandonedPanel({ api, root }) {
  let items = [];
  let assignees = [];
  let filter = '';
  let form = null; // { id, kind: 'reassign' | 'close' }
  let mounted = false;

  const tab = document.querySelector('[data-tab="callbacks"]');
  if (tab) tab.textContent = ab.tab;
  const fail = (e) => banner('callbacks', 'error', ab.errors[e?.code] ?? errorText(e));

  function mount() {
    root.innerHTML = `
      <section class="panel">
        <h2>${esc(ab.heading)}</h2>
        <div class="inline-form">
          <label>${esc(ab.filter)} <select data-role="filter"><option value="">${esc(ab.all)}</option>
            ${Object.entries(ab.statuses).map(([k, v]) => `<option value="${k}">${esc(v)}</option>`).join('')}</select></label>
          <button data-act="refresh">${esc(ab.refresh)}</button>
        </div>
        <table data-testid="callback-admin-table">
          <thead><tr><th>${esc(ab.number)}</th><th>${esc(ab.abandonedAt)}</th><th>${esc(ab.wait)}</th><th>${esc(ab.queue)}</th><th>${esc(ab.status)}</th>
            <th>${esc(ab.holder)}</th><th>${esc(ab.outcome)}</th><th>${esc(ab.callback)}</th><th>${esc(ab.actions)}</th></tr></thead>
          <tbody></tbody>
        </table>
      </section>`;
    root.querySelector('[data-role="filter"]').addEventListener('change', (ev) => { filter = ev.target.value; void load(); });
    root.addEventListener('click', onClick);
    root.addEventListener('submit', onSubmit);
    mounted = true;
  }

  function formRow(i) {
    if (form?.id !== i.id) return '';
    const body = form.kind === 'reassign'
      ? `<label>${esc(ab.chooseDispatcher)} <select name="user_id" required>${assignees.map((u) =>
        `<option value="${esc(u.id)}">${esc(u.display_name)}（${esc(u.seat_id ?? ab.notAtSeat)}）</option>`).join('')}</select></label>`
      : `<label>${esc(ab.outcome)} <select name="outcome" required>${Object.entries(ab.outcomes).filter(([k]) => k !== 'called_again')
        .map(([k, v]) => `<option value="${k}">${esc(v)}</option>`).join('')}</select></label>
         <label>${esc(ab.note)} <input name="note" maxlength="500"></label>`;
    return `<tr data-form="${esc(i.id)}"><td colspan="9"><form class="inline-form" data-id="${esc(i.id)}" data-kind="${form.kind}">${body}
      <button class="primary" type="submit">${esc(ab.submit)}</button> <button type="button" data-act="cancel">${esc(ab.cancel)}</button></form></td></tr>`;
  }

  function render() {
    const tbody = root.querySelector('tbody');
    tbody.innerHTML = items.length === 0 ? `<tr><td colspan="9" class="muted">${esc(ab.none)}</td></tr>` : items.map((i) => {
      const b = (act, label, cls = '') => `<button class="${cls}" data-act="${act}" data-id="${esc(i.id)}">${esc(label)}</button>`;
      const actions = i.status === 'done' ? '' : [b('reassign', ab.reassign, 'primary'), i.status === 'claimed' ? b('release', ab.release) : '', b('close', ab.close, 'stop')].join(' ');
      const outcome = i.outcome ? `${ab.outcomes[i.outcome] ?? i.outcome}${i.note ? `：${i.note}` : ''} · ${i.closed_by_name ?? ab.closedBySystem}` : '—';
      return `<tr data-item="${esc(i.id)}" data-status="${esc(i.status)}">
        <td>${esc(i.caller_number ?? ab.withheld)}</td><td>${esc(formatClock(i.abandoned_at))}</td><td>${esc(formatDuration(i.wait_ms))}</td>
        <td>${esc(i.queue_id ?? '—')}</td><td data-col="status">${esc(ab.statuses[i.status] ?? i.status)}</td>
        <td data-col="holder">${esc(i.claimed_by_name ?? '—')}${i.claimed_seat_id ? ` · ${esc(i.claimed_seat_id)}` : ''}</td>
        <td data-col="outcome">${esc(outcome)}</td>
        <td>${i.callback_state ? esc(`${ab.callbackStates[i.callback_state] ?? i.callback_state} ×${i.callback_attempts}`) : '—'}</td>
        <td>${actions}</td></tr>${formRow(i)}`;
    }).join('');
  }

  async function load() {
    if (!mounted) mount();
    try {
      const [page, people] = await Promise.all([api.get(`/v1/callbacks?limit=200${filter ? `&status=${filter}` : ''}`), api.get('/v1/callbacks/assignees')]);
      items = page.items;
      assignees = people.items;
      banner('callbacks', '', null);
      render();
    } catch (e) {
      fail(e);
    }
  }

  async function change(fn) {
    try {
      await fn();
      form = null;
      banner('callbacks', 'ok', ab.done);
    } catch (e) {
      fail(e);
    }
    await load();
  }

  function onClick(ev) {
    const el = ev.target.closest('[data-act]');
    if (!el) return;
    const id = el.dataset.id;
    switch (el.dataset.act) {
      case 'refresh': void load(); break;
      case 'reassign': form = { id, kind: 'reassign' }; render(); break;
      case 'close': form = { id, kind: 'close' }; render(); break;
      case 'cancel': form = null; render(); break;
      case 'release': void change(() => api.post(`/v1/callbacks/${id}/release`)); break;
      default: break;
    }
  }

  function onSubmit(ev) {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const id = ev.target.dataset.id;
    if (ev.target.dataset.kind === 'reassign') {
      void change(() => api.post(`/v1/callbacks/${id}/reassign`, { user_id: String(f.get('user_id')) }));
    } else {
      const note = String(f.get('note') ?? '').trim();
      void change(() => api.post(`/v1/callbacks/${id}/close`, { outcome: String(f.get('outcome')), ...(note ? { note } : {}) }));
    }
  }

  return { load };
}
