/**
 * The dispatcher's transfer panel (docs/transfers.md "The dispatcher page"): directory search
 * (GET /v1/linkage/destinations?q=), one-key buttons for 110 / 119 / 122 (the entries of category police / fire /
 * traffic_police) and every other entry with a speed key, a 转接 (blind transfer) and, for outside numbers and
 * centres, a 三方 (three-way call) button per entry, and the state of each party (the caller, the target).
 *
 * Blind transfer: POST /v1/calls/:id/transfers {destination, mode: "blind"} gives the Refer-To URI; the page's SIP.js
 * session sends the REFER with it (phone.refer). Progress comes from the call's events (call.transferred.v1,
 * call.transfer_failed.v1, fed by main.js) and from GET /v1/calls/:id/transfers each second while it is open. A failed
 * transfer leaves the caller connected to this seat (or, when the caller's gateway had already ended this seat's
 * call, at the head of the original queue): the page says which.
 * Three-way: POST /v1/calls/:id/three-way {destination} gives an anchor header and token; the page's session sends a
 * re-INVITE with it (phone.anchor), then the party is dialled into the call's room (call.party_joined.v1 / _left.v1).
 *
 * Hotkeys (hotkeys.js, configurable in 快捷键设置; defaults from GET /v1/consoles/config): xfer_110 (F9), xfer_119
 * (F10), xfer_122 (F11) transfer to the one-key entry of that category; listed on the page under the keys
 * (data-testid transfer-hotkeys).
 *
 * Hook for other files (e.g. consult.js, consultative transfer and dropping a party): the object mountTransfer
 * returns has `addAction({ id, label, applies(entry), run({ entry, callId, say }) })`: a button labelled `label`
 * (data-testid `transfer-<id>-<entry id>`) beside 转接 / 三方 on every entry for which `applies(entry)` is true,
 * enabled while a call is connected and no transfer is open; `run` gets the entry, the call's id and
 * `say(level, text)` ('ok' | 'warn' | 'error') to write the panel's status line. Also `onEvent` (the call's events)
 * is called for every added action that defines it.
 */
import { esc } from '../shared/format.js';
import { t } from './i18n/zh-CN.js';
import { xf } from './i18n/transfer-zh-CN.js';

const POLL_MS = 1000;
const SEARCH_DELAY_MS = 200;
/** One-key transfers: the hotkey action, the directory category, the number shown if the entry has no speed key. */
export const ONE_KEY = [
  { action: 'xfer_110', category: 'police', number: '110' },
  { action: 'xfer_119', category: 'fire', number: '119' },
  { action: 'xfer_122', category: 'traffic_police', number: '122' },
];
const OUTSIDE = new Set(['number', 'centre']);

/**
 * The one-key row: 110 / 119 / 122 from their categories (the first outside entry of each, in directory order), then
 * the other entries with a speed key. Pure (unit-tested).
 * @param {Array<{ id: string, kind: string, category: string, speed_key: string | null }>} all
 * @returns {Array<{ key: string, entry: any }>}
 */
export function pickOneKey(all) {
  const picked = [];
  for (const k of ONE_KEY) {
    const entry = all.find((d) => d.category === k.category && OUTSIDE.has(d.kind));
    if (entry) picked.push({ key: entry.speed_key ?? k.number, entry });
  }
  for (const d of all) if (d.speed_key && !picked.some((p) => p.entry.id === d.id)) picked.push({ key: d.speed_key, entry: d });
  return picked;
}

/**
 * @param {{ root: HTMLElement, api: ReturnType<import('../shared/api.js').createApi>, phone: () => any,
 *           callId: () => Promise<string | null>, talking: () => boolean, errorText: (e: any) => string,
 *           hotkeys?: () => Record<string, string> }} opts
 */
export function mountTransfer({ root, api, phone, callId, talking, errorText, hotkeys = () => ({}) }) {
  let entries = [];
  let oneKey = []; // [{ key, entry }] 110 / 119 / 122 first, then other speed keys
  let current = null; // { id, callId, name, state }
  let poll = null;
  let searchTimer = null;
  let shownEnabled = null; // the buttons are redrawn only when whether they work changes (not on every tick)
  const extra = []; // actions added by other files (addAction)

  root.innerHTML = `
    <h2>${esc(xf.heading)}</h2>
    <div class="xf-keys" data-testid="transfer-keys" aria-label="${esc(xf.speedKeys)}"></div>
    <p class="xf-hotkeys muted" data-testid="transfer-hotkeys"></p>
    <input type="search" class="xf-search" data-testid="transfer-search" placeholder="${esc(xf.search)}">
    <ul class="xf-results" data-testid="transfer-results"></ul>
    <dl class="xf-parties" data-testid="transfer-parties">
      <dt>${esc(xf.parties.caller)}</dt><dd data-testid="transfer-party-caller"></dd>
      <dt>${esc(xf.parties.target)}</dt><dd data-testid="transfer-party-target"></dd>
    </dl>
    <div class="xf-status" data-testid="transfer-status" role="status" aria-live="polite"></div>`;
  const keys = root.querySelector('.xf-keys');
  const hotkeyLine = root.querySelector('.xf-hotkeys');
  const search = root.querySelector('.xf-search');
  const results = root.querySelector('.xf-results');
  const status = root.querySelector('.xf-status');
  const callerLine = root.querySelector('[data-testid="transfer-party-caller"]');
  const targetLine = root.querySelector('[data-testid="transfer-party-target"]');

  function say(level, text) {
    status.className = `xf-status ${level}`;
    status.textContent = text;
  }

  function parties(caller, target) {
    callerLine.textContent = caller ?? '';
    targetLine.textContent = target ?? '';
  }

  function button(action, entry, label, enabled) {
    return `<button data-act="${esc(action)}" data-id="${esc(entry.id)}" data-testid="transfer-${action === 'transfer' ? 'to' : esc(action)}-${esc(entry.id)}" ${enabled ? '' : 'disabled'}>${esc(label)}</button>`;
  }

  function render() {
    const enabled = talking() && !current;
    shownEnabled = enabled;
    keys.innerHTML = oneKey.map(({ key, entry }) =>
      `<button data-act="transfer" data-id="${esc(entry.id)}" data-testid="transfer-key-${esc(key)}" ${enabled ? '' : 'disabled'}>${esc(key)} ${esc(entry.name)}</button>`).join('');
    const map = hotkeys();
    hotkeyLine.textContent = ONE_KEY.filter((k) => map[k.action] && oneKey.some((o) => o.entry.category === k.category))
      .map((k) => t(xf.hotkey, { key: map[k.action], number: k.number })).join('　');
    results.innerHTML = entries.length === 0 ? `<li class="muted">${esc(xf.none)}</li>`
      : entries.map((d) => `<li><span>${esc(d.name)}</span> <span class="muted">${esc(d.number ?? d.speed_key ?? xf.categories[d.category] ?? d.category)}</span>
          ${button('transfer', d, xf.transfer, enabled)}
          ${OUTSIDE.has(d.kind) ? button('three-way', d, xf.threeWay, enabled) : ''}
          ${extra.filter((a) => a.applies(d)).map((a) => button(a.id, d, a.label, enabled)).join('')}</li>`).join('');
  }

  async function load() {
    try {
      const q = search.value.trim();
      // the one-key row comes from the whole directory, whatever the search
      const [all, found] = await Promise.all([
        api.get('/v1/linkage/destinations'), q ? api.get(`/v1/linkage/destinations?q=${encodeURIComponent(q)}`) : null,
      ]);
      oneKey = pickOneKey(all.items ?? []);
      entries = (found ?? all).items ?? [];
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
    const name = current.name;
    const level = state === 'failed' ? 'error' : state === 'succeeded' ? 'ok' : 'warn';
    const why = xf.reasons[reason] ?? reason ?? '';
    if (state === 'failed' && !talking()) {
      // this seat's call was already ended by the caller's gateway: the caller waits at the head of the queue
      say('error', t(xf.backToQueue, { name, reason: why }));
      parties(xf.caller.queued, t(xf.target.failed, { reason: why }));
    } else {
      say(level, t(xf.states[state] ?? xf.states.requested, { name, reason: why }));
      parties(state === 'succeeded' ? t(xf.caller.moved, { name }) : state === 'failed' ? xf.caller.back : xf.caller.waiting,
        t(xf.target[state] ?? xf.target.requested, { reason: why }));
    }
    if (state === 'succeeded' || state === 'failed') {
      stopPoll();
      current = null;
      render();
    }
  }

  async function transfer(entry) {
    const id = await callId();
    if (!id) { say('error', xf.needCall); return; }
    let started;
    try {
      started = await api.post(`/v1/calls/${encodeURIComponent(id)}/transfers`, { destination: { destination_id: entry.id }, mode: 'blind' });
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

  async function threeWay(entry) {
    const id = await callId();
    if (!id) { say('error', xf.needCall); return; }
    let started;
    try {
      started = await api.post(`/v1/calls/${encodeURIComponent(id)}/three-way`, { destination: { destination_id: entry.id } });
    } catch (e) {
      say('error', xf.errors[e?.code] ?? errorText(e)); // nothing changed
      return;
    }
    say('warn', t(xf.threeWayStarting, { name: entry.name }));
    parties(xf.caller.withYou, t(xf.target.dialling, { name: entry.name }));
    try {
      await phone()?.anchor(started.anchor.header, started.anchor.token);
    } catch (e) {
      say('error', t(xf.threeWayFailed, { msg: errorText(e) })); // the room closes by itself; the call is as it was
    }
  }

  async function start(action, destinationId) {
    const entry = entries.find((d) => d.id === destinationId) ?? oneKey.find((o) => o.entry.id === destinationId)?.entry;
    if (!entry || current || !talking()) return;
    if (action === 'transfer') return transfer(entry);
    if (action === 'three-way') return threeWay(entry);
    const added = extra.find((a) => a.id === action);
    const id = await callId();
    if (!id) { say('error', xf.needCall); return; }
    if (added) await added.run({ entry, callId: id, say });
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
    const b = ev.target?.closest?.('button[data-act]');
    if (b) void start(b.dataset.act, b.dataset.id);
  });
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void load(), SEARCH_DELAY_MS);
  });
  void load();

  return {
    onEvent(e) {
      for (const a of extra) a.onEvent?.(e);
      if (e.type === 'call.party_joined.v1' && e.data?.party) parties(xf.caller.withYou, t(xf.target.joined, { party: e.data.party }));
      if (e.type === 'call.party_left.v1' && e.data?.party) parties(xf.caller.withYou, t(xf.target.left, { party: e.data.party }));
      if (!current || e.data?.transfer_id !== current.id) return;
      if (e.type === 'call.transferred.v1') show('succeeded');
      if (e.type === 'call.transfer_failed.v1') show('failed', e.data.reason);
    },
    refresh() {
      const enabled = talking() && !current;
      // a call connected: the directory is read again (an admin may have changed it since the page opened)
      if (enabled !== shownEnabled) {
        if (enabled) void load();
        else render();
      }
      if (!talking() && !current && callerLine.textContent === xf.caller.withYou) parties('', '');
    },
    /** A hotkey of ONE_KEY (main.js binds them through hotkeys.js). */
    hotkey(action) {
      const k = ONE_KEY.find((x) => x.action === action);
      const picked = k && oneKey.find((o) => o.entry.category === k.category);
      if (picked) void start('transfer', picked.entry.id);
    },
    /** See the file header: another file's button beside 转接 / 三方 on each entry it applies to. */
    addAction(a) {
      extra.push(a);
      render();
    },
  };
}
