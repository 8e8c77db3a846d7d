/**
 * Recording search (GET /v1/recordings, control/src/api/schemas/recordings-search.ts): the filter form,
 * the results newest call first, and paging by cursor (next_cursor forward; the cursors seen so far back).
 */
import { esc, formatClock, formatDuration } from '../shared/format.js';
import { errorText, t, zh } from './i18n/zh-CN.js';

const PAGE_SIZE = 20;

/** The filter form as query parameters (datetime-local fields as ISO instants; seconds as integers). */
export function searchParams(form) {
  const q = new URLSearchParams();
  for (const [k, raw] of new FormData(form)) {
    const v = String(raw).trim();
    if (!v) continue;
    if (k === 'from' || k === 'to') q.set(k, new Date(v).toISOString());
    else q.set(k, v);
  }
  q.set('limit', String(PAGE_SIZE));
  return q;
}

/** @param {{ api: ReturnType<import('../shared/api.js').createApi>, root: HTMLElement, onOpen(hit: any): void }} deps */
export function createSearch({ api, root, onOpen }) {
  const $ = (sel) => root.querySelector(sel);
  const formEl = /** @type {HTMLFormElement} */ ($('form'));
  let cursors = [null]; // cursor of each page seen; the last is the current page's
  let next = null;
  let hits = [];

  function renderRows() {
    $('[data-testid="search-results"] tbody').innerHTML = hits.length === 0 ? `<tr><td colspan="12" class="muted">${esc(zh.search.none)}</td></tr>` : hits.map((h) => `
      <tr data-recording="${esc(h.recording_id)}" data-call="${esc(h.call_id)}">
        <td>${esc(formatClock(h.arrived_at))}</td><td data-col="number">${esc(h.caller_number ?? zh.search.withheld)}</td>
        <td>${esc(h.queue_id ?? '')}</td><td data-col="seat">${esc(h.seat_id ?? '')}</td><td data-col="dispatcher">${esc(h.dispatcher_name ?? '')}</td>
        <td>${formatDuration(h.answer_ms)}</td><td>${formatDuration(h.talk_ms)}</td><td data-col="duration">${formatDuration(h.duration_ms)}</td>
        <td><span class="badge rec-${esc(h.recording_status)}">${esc(zh.search.statuses[h.recording_status] ?? h.recording_status)}</span>
          ${(h.flags ?? []).includes('gap') ? `<span class="badge flag-gap" data-flag="gap">${esc(zh.tools.gap)}</span>` : ''}</td>
        <td data-col="score">${h.qa_score === null ? '—' : `${h.qa_score}（${esc(h.qa_grade)}）`} <span class="muted small">${h.qa_reviews ? esc(t(zh.search.reviews, { n: h.qa_reviews })) : ''}</span></td>
        <td data-col="tags">${(h.tags ?? []).map((tag) => `<span class="tag small">${esc(tag)}</span>`).join(' ')}${h.incident_id ? ` <span class="muted small">${esc(t(zh.search.incidentOf, { id: h.incident_id }))}</span>` : ''}</td>
        <td><button data-act="open" ${h.audio_url ? '' : 'disabled'}>${esc(zh.search.open)}</button></td>
      </tr>`).join('');
    $('[data-testid="search-page"]').textContent = t(zh.search.page, { n: cursors.length, count: hits.length });
    $('[data-act="prev"]').disabled = cursors.length <= 1;
    $('[data-act="next"]').disabled = !next;
  }

  async function load() {
    const q = searchParams(formEl);
    const cursor = cursors.at(-1);
    if (cursor) q.set('cursor', cursor);
    $('[data-testid="search-status"]').textContent = zh.search.loading;
    try {
      const page = await api.get(`/v1/recordings?${q}`);
      hits = page.items;
      next = page.next_cursor;
      $('[data-testid="search-status"]').textContent = '';
      root.dataset.loaded = String(Date.now());
    } catch (e) {
      hits = [];
      next = null;
      $('[data-testid="search-status"]').textContent = errorText(e);
    }
    renderRows();
  }

  formEl.addEventListener('submit', (ev) => { ev.preventDefault(); cursors = [null]; void load(); });
  formEl.addEventListener('reset', () => setTimeout(() => { cursors = [null]; void load(); }));
  $('[data-act="next"]').addEventListener('click', () => { if (next) { cursors.push(next); void load(); } });
  $('[data-act="prev"]').addEventListener('click', () => { if (cursors.length > 1) { cursors.pop(); void load(); } });
  $('[data-testid="search-results"]').addEventListener('click', (ev) => {
    const b = /** @type {HTMLElement} */ (ev.target).closest('button[data-act="open"]');
    const id = b?.closest('tr')?.dataset.recording;
    const hit = hits.find((h) => h.recording_id === id);
    if (hit) onOpen(hit);
  });

  return { load };
}
