/**
 * Score cards (成绩单): GET /v1/qa/forms/:id/scorecards?from&to, one line per dispatcher and the team;
 * export of the same period (GET /v1/qa/forms/:id/export: .xlsx with both sheets, or CSV of the score
 * cards or of the reviews; audited server-side as qa.exported).
 */
import { esc } from '../shared/format.js';
import { downloadFile } from './download.js';
import { errorText, t, zh } from './i18n/zh-CN.js';

/** @param {{ api: ReturnType<import('../shared/api.js').createApi>, token(): string | null, root: HTMLElement, forms(): any[] }} deps */
export function createScoreCards({ api, token, root, forms }) {
  const $ = (sel) => root.querySelector(sel);
  const day = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

  function prepare() {
    const sel = $('[data-testid="cards-form"]');
    const keep = sel.value;
    sel.innerHTML = forms().map((f) => `<option value="${esc(f.id)}">${esc(f.name)}</option>`).join('');
    if (keep && forms().some((f) => f.id === keep)) sel.value = keep;
    const now = new Date();
    if (!$('[name="from"]').value) $('[name="from"]').value = day(new Date(now.getFullYear(), now.getMonth(), 1));
    if (!$('[name="to"]').value) $('[name="to"]').value = day(now);
  }

  /** The chosen period as from/to instants (the end day included). */
  function period() {
    const from = new Date(`${$('[name="from"]').value}T00:00:00`);
    const to = new Date(`${$('[name="to"]').value}T00:00:00`);
    to.setDate(to.getDate() + 1);
    return new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
  }

  async function exportAs(format, sheet) {
    prepare();
    const formId = $('[data-testid="cards-form"]').value;
    if (!formId) return;
    const q = period();
    q.set('format', format);
    q.set('sheet', sheet);
    const st = $('[data-testid="cards-export-status"]');
    st.textContent = zh.cards.exporting;
    st.className = 'status';
    try {
      const f = await downloadFile(token(), `/v1/qa/forms/${formId}/export?${q}`, `qa-${sheet}.${format}`);
      st.textContent = t(zh.cards.exported, { name: f.name });
      st.className = 'status ok';
    } catch (e) {
      st.textContent = errorText(e);
      st.className = 'status error';
    }
  }

  async function load() {
    prepare();
    const formId = $('[data-testid="cards-form"]').value;
    if (!formId) return;
    const q = period();
    try {
      const c = await api.get(`/v1/qa/forms/${formId}/scorecards?${q}`);
      const items = c.form.items;
      $('[data-testid="cards-head"]').innerHTML = `<tr><th>${esc(zh.cards.dispatcher)}</th><th>${esc(zh.cards.reviews)}</th><th>${esc(zh.cards.average)}</th>
        <th>${esc(zh.cards.grade)}</th><th>${esc(zh.cards.min)}</th><th>${esc(zh.cards.max)}</th>${items.map((i) => `<th>${esc(i.label)}</th>`).join('')}</tr>`;
      const line = (l, name, attrs) => `<tr ${attrs}><td>${esc(name)}</td><td data-col="reviews">${l.reviews}</td><td data-col="average">${l.average}</td>
        <td data-col="grade"><span class="badge grade">${esc(l.grade)}</span></td><td>${l.min}</td><td>${l.max}</td>
        ${items.map((i) => `<td data-item="${esc(i.key)}">${l.items[i.key] ?? '—'}</td>`).join('')}</tr>`;
      $('[data-testid="cards-rows"]').innerHTML = c.dispatchers.length === 0
        ? `<tr><td colspan="${6 + items.length}" class="muted">${esc(zh.cards.none)}</td></tr>`
        : c.dispatchers.map((l) => line(l, l.dispatcher_name ?? zh.cards.unknown, `data-dispatcher="${esc(l.dispatcher_id ?? '')}"`)).join('')
          + line(c.team, t(zh.cards.team, { n: c.team.dispatchers }), 'data-team="1" class="team"');
      $('[data-testid="cards-status"]').textContent = '';
    } catch (e) {
      $('[data-testid="cards-status"]').textContent = errorText(e);
    }
  }

  $('form').addEventListener('submit', (ev) => { ev.preventDefault(); void load(); });
  for (const b of root.querySelectorAll('button[data-export]')) {
    b.addEventListener('click', () => { const [format, sheet] = b.dataset.export.split(':'); void exportAs(format, sheet); });
  }
  return { load };
}
