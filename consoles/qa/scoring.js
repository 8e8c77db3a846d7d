/**
 * The scoring form of the open call: the active forms (GET /v1/qa/forms?active=true), the call's review
 * with the chosen form if there is one (GET /v1/qa/reviews in the call's arrival millisecond), objective
 * items shown filled and read-only, the reviewer's items editable; 保存草稿 / 提交定稿 create the review
 * (POST /v1/qa/reviews) or change the draft (PATCH /v1/qa/reviews/:id). Objective values always come
 * from the server: before the first save from GET /v1/qa/forms/:id/objective?call_id= (the same scoring a
 * review stores), after it from the review.
 */
import { esc } from '../shared/format.js';
import { errorText, t, zh } from './i18n/zh-CN.js';

/** @param {{ api: ReturnType<import('../shared/api.js').createApi>, root: HTMLElement }} deps */
export function createScoring({ api, root }) {
  const $ = (sel) => root.querySelector(sel);
  let forms = [];
  let hit = null;
  let detail = null;
  let review = null;
  let objective = new Map(); // key -> server-computed objective answer for the open call and form

  const form = () => forms.find((f) => f.id === $('[data-testid="scoring-form-select"]').value);
  const status = (text, level = '') => { const el = $('[data-testid="scoring-status"]'); el.textContent = text; el.className = `status ${level}`; };

  async function loadForms() {
    forms = await api.get('/v1/qa/forms?active=true');
    $('[data-testid="scoring-form-select"]').innerHTML = forms.map((f) => `<option value="${esc(f.id)}">${esc(f.name)}</option>`).join('');
    root.dataset.forms = String(forms.length);
  }

  async function findReview() {
    const f = form();
    if (!f || !hit) return null;
    const at = new Date(detail.call.arrived_at).getTime();
    const q = new URLSearchParams({ form_id: f.id, from: new Date(at).toISOString(), to: new Date(at + 1).toISOString(), limit: '50' });
    const page = await api.get(`/v1/qa/reviews?${q}`);
    return page.items.find((r) => r.call_id === hit.call_id) ?? null;
  }

  /** The form's objective items for the open call as the server scores them (empty if it cannot: unanswered call). */
  async function loadObjective() {
    const f = form();
    objective = new Map();
    if (!f || !hit || !f.items.some((i) => i.kind === 'objective')) return;
    try {
      const o = await api.get(`/v1/qa/forms/${f.id}/objective?call_id=${encodeURIComponent(hit.call_id)}`);
      objective = new Map(o.answers.map((a) => [a.key, a]));
    } catch (e) {
      status(errorText(e), 'error');
    }
  }

  function render() {
    const f = form();
    if (!f) {
      $('[data-testid="scoring-items"]').innerHTML = `<tr><td colspan="5" class="muted">${esc(zh.scoring.noForms)}</td></tr>`;
      return;
    }
    const saved = new Map((review?.answers ?? []).map((a) => [a.key, a]));
    const final = review?.status === 'final';
    $('[data-testid="scoring-items"]').innerHTML = f.items.map((it) => {
      const s = saved.get(it.key);
      const scale = `${it.min} – ${it.max}`;
      if (it.kind === 'objective') {
        const v = s ?? objective.get(it.key) ?? { value: null, measured_s: null };
        const measured = v.measured_s === null || v.measured_s === undefined ? zh.scoring.noTiming : t(zh.scoring.measured, { s: v.measured_s });
        return `<tr data-item="${esc(it.key)}" data-kind="objective"><td>${esc(it.label)}</td><td><span class="badge kind-objective">${esc(zh.scoring.objective)}</span></td>
          <td>${esc(scale)}</td><td>${esc(it.weight)}</td>
          <td><output data-col="value">${v.value ?? '—'}</output> <span class="muted small">${esc(measured)}${s ? '' : esc(zh.scoring.preview)}</span></td></tr>`;
      }
      return `<tr data-item="${esc(it.key)}" data-kind="subjective"><td>${esc(it.label)}</td><td><span class="badge kind-subjective">${esc(zh.scoring.subjective)}</span></td>
        <td>${esc(scale)}</td><td>${esc(it.weight)}</td>
        <td><input type="number" name="${esc(it.key)}" min="${it.min}" max="${it.max}" step="any" class="narrow" value="${s?.value ?? ''}" ${final ? 'disabled' : ''}>
          <input name="note-${esc(it.key)}" class="note" value="${esc(s?.note ?? '')}" placeholder="${esc(zh.scoring.comment)}" ${final ? 'disabled' : ''}></td></tr>`;
    }).join('');
    $('[data-testid="scoring-comment"]').value = review?.comment ?? '';
    $('[data-testid="scoring-comment"]').disabled = final;
    for (const b of root.querySelectorAll('button[data-save]')) b.disabled = final;
    $('[data-testid="scoring-total"]').textContent = review ? t(zh.scoring.total, { score: review.score, grade: review.grade }) : '';
    root.dataset.review = review ? review.status : 'none';
    if (review) status(final ? `${t(zh.scoring.reviewOf, { status: zh.scoring.status.final })} · ${zh.scoring.finalLocked}` : t(zh.scoring.reviewOf, { status: zh.scoring.status.draft }));
    else status('');
  }

  function answers() {
    const out = [];
    for (const input of root.querySelectorAll('tr[data-kind="subjective"] input[type="number"]')) {
      if (input.value === '') continue;
      const note = root.querySelector(`input[name="note-${input.name}"]`).value.trim();
      out.push({ key: input.name, value: Number(input.value), ...(note ? { note } : {}) });
    }
    return out;
  }

  async function save(final) {
    const f = form();
    if (!f || !hit) return;
    const given = answers();
    if (final && given.length < f.items.filter((i) => i.kind === 'subjective').length) { status(zh.scoring.missing, 'error'); return; }
    const comment = $('[data-testid="scoring-comment"]').value.trim() || null;
    try {
      review = review
        ? await api.patch(`/v1/qa/reviews/${review.id}`, { answers: given, comment, ...(final ? { final: true } : {}) })
        : await api.post('/v1/qa/reviews', { call_id: hit.call_id, form_id: f.id, answers: given, comment, final });
      render();
      status(final ? t(zh.scoring.finalised, { score: review.score, grade: review.grade }) : zh.scoring.saved, 'ok');
    } catch (e) {
      status(errorText(e), 'error');
    }
  }

  /** The chosen form's review of the call (or the server's objective values), then the table; data-loading="1" meanwhile. */
  async function refresh() {
    root.dataset.loading = '1';
    review = null;
    try { review = await findReview(); } catch (e) { status(errorText(e), 'error'); }
    if (!review) await loadObjective();
    render();
    root.dataset.loading = '0';
  }

  async function open(h, d) {
    hit = h;
    detail = d;
    if (forms.length === 0) await loadForms();
    await refresh();
  }

  $('[data-testid="scoring-form-select"]').addEventListener('change', () => void refresh());
  $('[data-testid="scoring-save-draft"]').addEventListener('click', () => void save(false));
  $('[data-testid="scoring-save-final"]').addEventListener('click', () => void save(true));

  return { open, loadForms, forms: () => forms };
}
