/**
 * Today's service level on the wallboard: GET /v1/stats/service-level from local midnight, per queue
 * and in total (answered within 10/15/20 s of arrival as a share of settled calls, abandoned, waits).
 * Refreshed every 15 s and shortly after each answered or abandoned call.
 */
import { esc, formatClock, formatDuration } from '../shared/format.js';
import { t, zh } from './i18n/zh-CN.js';
import { $, banner, errorText } from './ui.js';

const REFRESH_MS = 15_000;
const pct = (v) => (v === null || v === undefined ? '—' : `${Number(v).toFixed(1)}%`);
const ms = (v) => (v === null || v === undefined ? '—' : formatDuration(v));

function midnightIso(now = new Date()) {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

function row(key, label, f) {
  const low = f.answered_within_10s_pct !== null && f.answered_within_10s_pct < 95;
  return `<tr data-sl="${esc(key)}">
    <td>${esc(label)}</td><td data-col="offered">${f.offered}</td><td data-col="answered">${f.answered}</td>
    <td data-col="within10">${f.answered_within_10s}</td>
    <td class="num ${low ? 'below-target' : ''}" data-col="pct10">${pct(f.answered_within_10s_pct)}</td>
    <td data-col="pct15">${pct(f.answered_within_15s_pct)}</td><td data-col="pct20">${pct(f.answered_within_20s_pct)}</td>
    <td data-col="abandoned">${f.abandoned}</td><td data-col="abandoned-pct">${pct(f.abandoned_pct)}</td>
    <td data-col="avg-wait">${ms(f.avg_wait_ms)}</td><td data-col="p90-wait">${ms(f.p90_wait_ms)}</td><td data-col="in-progress">${f.in_progress}</td>
  </tr>`;
}

export function createServiceLevel({ api }) {
  let timer = null;
  let soon = null;

  async function load() {
    try {
      const r = await api.get(`/v1/stats/service-level?from=${encodeURIComponent(midnightIso())}&group_by=queue`);
      const rows = r.items.map((i) => row(i.key, i.key, i));
      $('sl-rows').innerHTML = r.total.offered === 0 ? `<tr><td colspan="12" class="muted">${esc(zh.serviceLevel.none)}</td></tr>`
        : [...rows, row('total', zh.serviceLevel.total, r.total)].join('');
      $('sl-headline').textContent = pct(r.total.answered_within_10s_pct);
      $('sl-updated').textContent = t(zh.serviceLevel.updated, { time: formatClock(new Date().toISOString()) });
      banner('service-level', '', '');
    } catch (e) {
      banner('service-level', 'error', errorText(e));
    }
  }

  return {
    load,
    start() { void load(); timer = setInterval(load, REFRESH_MS); },
    stop() { clearInterval(timer); clearTimeout(soon); },
    /** After a call settles: reload within a second (several events coalesce). */
    poke() { clearTimeout(soon); soon = setTimeout(load, 1000); },
  };
}
