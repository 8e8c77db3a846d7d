/**
 * The dispatcher's transfer panel (docs/transfers.md): directory search (GET /v1/linkage/destinations?q=), one-key
 * buttons for the entries with a speed key (110, 119, 122 …), and the transfer's progress and outcome.
 * A transfer: POST /v1/calls/:id/transfers {destination, mode: "blind"} gives the Refer-To URI; the page's SIP.js
 * session sends the REFER with it (phone.refer). Progress comes from the call's events (call.transferred.v1,
 * call.transfer_failed.v1, fed by main.js) and from GET /v1/calls/:id/transfers while the transfer is open.
 * A failed transfer leaves the caller connected to this seat: the page says so.
 */
import { esc } from '../shared/format.js';
import { t } from './i18n/zh-CN.js';
import { xf } from './i18n/transfer-zh-CN.js';

const POLL_MS = 1000;
const SEARCH_DELAY_MS = 200;

/**
 * @param {{ root: HTMLElement, api: ReturnType<import('../shared/api.js').createApi>, phone: () => any,
 *           callId: () => Promise<string | null>, talking: () => boolean, errorText: (e: any) => string }} opts
 * @returns {{ onEvent: (e: { type: string, data: any }) => void, refresh: () => void }}
 */
export function mountTransfer({ root, api, phone, callId, talking, errorText }) {
  let entries = [];
  let current = null; // { id, callId, name, state }
  let poll = null;
  let searchTimer = null;
  let shownEnabled = null; // the buttons are redrawn only when whether they work changes (not on every tick)

  root.innerHTML = `
    <h2>${esc(xf.heading)}</h2>
    <div class="xf-keys" data-testid="transfer-keys" aria-label="${esc(xf.speedKeys)}"></div>
    <input type="search" class="xf-search" data-testid="transfer-search" placeholder="${esc(xf.search)}">
    <ul class="xf-results" data-testid="transfer-results"></ul>
    <div class="xf-status" data-testid="transfer-status" role="status" aria-live="polite"></div>`;
  const keys = root.querySelector('.xf-keys');
  const search = root.querySelector('.xf-search');
  const results = root.querySelector('.xf-results');
  const status = root.querySelector('.xf-status');

  function say(level, text) {
    status.className = `xf-status ${level}`;
    status.textContent = text;
  }

  function render() {
    const enabled = talking() && !current;
    shownEnabled = enabled;
    const speed = entries.filter((d) => d.speed_key);
    keys.innerHTML = speed.map((d) => `<button data-id="${esc(d.id)}" data-testid="transfer-key-${esc(d.speed_key)}" ${enabled ? '' : 'disabled'}>${esc(d.speed_key)} ${esc(d.name)}</button>`).join('');
    results.innerHTML = entries.length === 0 ? `<li class="muted">${esc(xf.none)}</li>`
      : entries.map((d) => `<li><span>${esc(d.name)}</span> <span class="muted">${esc(d.number ?? d.category)}</span>
          <button data-id="${esc(d.id)}" data-testid="transfer-to-${esc(d.id)}" ${enabled ? '' : 'disabled'}>${esc(xf.transfer)}</button></li>`).join('');
  }

  async function load() {
    try {
      const q = search.value.trim();
      entries = (await api.get(`/v1/linkage/destinations${q ? `?q=${encodeURIComponent(q)}` : ''}`)).items ?? [];
    } catch (e) {
      say('error', errorText(e));
    }
    render();
  }

  function stopPoll() {
    if (poll) clearInterval(poll);
    poll = null;
  }

  function show(state, reason) {
    if (!current) return;
    current.state = state;
    const level = state === 'failed' ? 'error' : state === 'succeeded' ? 'ok' : 'warn';
    say(level, t(xf.states[state] ?? xf.states.requested, { name: current.name, reason: xf.reasons[reason] ?? reason ?? '' }));
    if (state === 'succeeded' || state === 'failed') {
      stopPoll();
      current = null;
      render();
    }
  }

  async function start(destinationId) {
    const entry = entries.find((d) => d.id === destinationId);
    if (!entry || current || !talking()) return;
    const id = await callId();
    if (!id) { say('error', xf.needCall); return; }
    let started;
    try {
      started = await api.post(`/v1/calls/${encodeURIComponent(id)}/transfers`, { destination: { destination_id: destinationId }, mode: 'blind' });
    } catch (e) {
      say('error', xf.errors[e?.code] ?? errorText(e)); // nothing changed: the caller is still with this seat
      return;
    }
    current = { id: started.transfer_id, callId: id, name: entry.name, state: 'requested' };
    show('requested');
    render();
    try {
      await phone()?.refer(started.refer_to);
    } catch (e) {
      // the REFER never left: the control plane's deadline closes the transfer; the caller stays here
      say('error', t(xf.referFailed, { msg: errorText(e) }));
    }
    poll = setInterval(() => void follow(), POLL_MS);
  }

  async function follow() {
    if (!current) return stopPoll();
    try {
      const list = (await api.get(`/v1/calls/${encodeURIComponent(current.callId)}/transfers`)).items ?? [];
      const mine = list.find((x) => x.id === current?.id);
      if (mine && mine.state !== current?.state) show(mine.state, mine.fail_reason);
    } catch { /* the next poll or the event tells */ }
  }

  root.addEventListener('click', (ev) => {
    const id = ev.target?.closest?.('button[data-id]')?.dataset.id;
    if (id) void start(id);
  });
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void load(), SEARCH_DELAY_MS);
  });
  void load();

  return {
    onEvent(e) {
      if (!current || e.data?.transfer_id !== current.id) return;
      if (e.type === 'call.transferred.v1') show('succeeded');
      if (e.type === 'call.transfer_failed.v1') show('failed', e.data.reason);
    },
    refresh() {
      if ((talking() && !current) !== shownEnabled) render();
    },
  };
}
