/**
 * The primary/backup panel (docs/ha.md "Failovers, audited"): each node's role, whether it holds the floating
 * address and sees its peer (GET /v1/ha/state), and the last failovers and switchovers with their timings.
 * Reloaded when shown, on ha.failover.v1, and every 5 s while shown.
 */
import { esc } from '../shared/format.js';
import { ha } from './i18n/ha-zh-CN.js';
import { banner, errorText } from './ui.js';

const dateTime = new Intl.DateTimeFormat('zh-CN', { dateStyle: 'short', timeStyle: 'medium', hour12: false });
const fmtTime = (iso) => (iso ? dateTime.format(new Date(iso)) : '—');
const since = (a, b) => (a && b ? new Date(a).getTime() - new Date(b).getTime() : null);

export function createHaPanel({ api, root }) {
  let mounted = false;
  let timer = null;
  const tab = document.querySelector('[data-tab="ha"]');
  if (tab) tab.textContent = ha.tab;

  function mount() {
    root.innerHTML = `
      <section class="panel">
        <h2>${esc(ha.nodesHeading)} <button data-act="refresh">${esc(ha.refresh)}</button></h2>
        <table data-testid="ha-nodes">
          <thead><tr><th>${esc(ha.node)}</th><th>${esc(ha.role)}</th><th>${esc(ha.vip)}</th><th>${esc(ha.link)}</th><th>${esc(ha.replication)}</th><th>${esc(ha.reported)}</th></tr></thead>
          <tbody data-role="nodes"></tbody>
        </table>
      </section>
      <section class="panel">
        <h2>${esc(ha.failoversHeading)}</h2>
        <table data-testid="ha-failovers">
          <thead><tr><th>${esc(ha.time)}</th><th>${esc(ha.kind)}</th><th>${esc(ha.from)}</th><th>${esc(ha.to)}</th><th>${esc(ha.by)}</th>
            <th>${esc(ha.lease)}</th><th>${esc(ha.vipMoved)}</th><th>${esc(ha.answered)}</th></tr></thead>
          <tbody data-role="failovers"></tbody>
        </table>
      </section>`;
    root.querySelector('[data-act="refresh"]').addEventListener('click', () => void load());
    mounted = true;
  }

  function render(s) {
    const nodes = root.querySelector('[data-role="nodes"]');
    nodes.innerHTML = s.nodes.length === 0 ? `<tr><td colspan="6" class="muted">${esc(ha.notAPair)}</td></tr>` : s.nodes.map((n) => `
      <tr data-node="${esc(n.node)}" data-role="${esc(n.role)}" data-vrrp="${esc(n.vrrp ?? '')}" data-leader="${s.leader === n.node}">
        <td>${esc(ha.nodeName(n.node))}</td><td>${esc(ha.roles[n.role] ?? n.role)}</td><td>${esc(ha.vrrp[n.vrrp] ?? '—')}</td>
        <td>${esc(ha.links[String(n.peer_reachable ?? null)])}</td>
        <td data-replication="${esc(n.replication ?? '')}">${esc(ha.replicationStates[String(n.replication ?? null)] ?? n.replication)}</td><td>${esc(fmtTime(n.reported_at))}</td></tr>`).join('');
    const rows = root.querySelector('[data-role="failovers"]');
    rows.innerHTML = s.failovers.length === 0 ? `<tr><td colspan="8" class="muted">${esc(ha.none)}</td></tr>` : s.failovers.map((f) => {
      const from = f.last_seen_at ?? f.lease_taken_at;
      return `<tr data-failover="${esc(f.id)}" data-kind="${esc(f.kind)}">
        <td>${esc(fmtTime(f.lease_taken_at))}</td><td>${esc(ha.kinds[f.kind] ?? f.kind)}</td>
        <td>${esc(f.from_node ? ha.nodeName(f.from_node) : '—')}</td><td>${esc(ha.nodeName(f.to_node))}</td><td>${esc(f.by === 'system' ? ha.system : f.by)}</td>
        <td>${esc(ha.ms(since(f.lease_taken_at, f.last_seen_at)))}</td><td>${esc(ha.ms(since(f.vip_moved_at, from)))}</td>
        <td>${esc(ha.ms(since(f.first_answered_at, from)))}</td></tr>`;
    }).join('');
  }

  async function load() {
    if (!mounted) mount();
    try {
      render(await api.get('/v1/ha/state'));
    } catch (e) {
      banner('ha', 'error', errorText(e));
    }
    clearTimeout(timer);
    if (!root.classList.contains('hidden')) timer = setTimeout(load, 5000);
  }

  return {
    load,
    /** Feeds one event-feed message; a failover reloads the panel when it is shown. */
    onEvent(msg) {
      if (msg.event.type !== 'ha.failover.v1') return false;
      if (mounted && !root.classList.contains('hidden')) void load();
      return true;
    },
  };
}
