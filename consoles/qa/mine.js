/**
 * The dispatcher's own results (我的评分): their final reviews (GET /v1/qa/reviews; the server returns a
 * dispatcher only their own final reviews, whatever the query asks) with each item, the reviewer's
 * comment, and their reply (PUT /v1/qa/reviews/:id/dispatcher-comment, audited).
 */
import { esc, formatClock } from '../shared/format.js';
import { errorText, t, zh } from './i18n/zh-CN.js';

/** @param {{ api: ReturnType<import('../shared/api.js').createApi>, root: HTMLElement }} deps */
export function createMine({ api, root }) {
  const $ = (sel) => root.querySelector(sel);
  let forms = new Map();
  let reviews = [];

  function card(r) {
    const f = forms.get(r.form_id);
    const answers = r.answers.map((a) => `<tr data-item="${esc(a.key)}"><td>${esc(a.label)}</td><td>${a.value ?? '—'}</td><td>${a.points}/${a.weight}</td>
      <td class="muted small">${esc(a.note ?? '')}</td></tr>`).join('');
    const reply = r.dispatcher_comment
      ? `<p data-col="dispatcher-comment">${esc(zh.mine.yourReply)}${esc(r.dispatcher_comment)} <span class="muted small">${esc(formatClock(r.dispatcher_commented_at))}</span></p>`
      : '';
    return `<article class="panel review-card" data-review="${esc(r.id)}">
      <h3>${esc(formatClock(r.call_arrived_at))} · ${esc(f?.name ?? '')} · <span data-col="score">${r.score}</span> <span class="badge grade" data-col="grade">${esc(r.grade)}</span></h3>
      <table><thead><tr><th>${esc(zh.scoring.item)}</th><th>${esc(zh.scoring.value)}</th><th>${esc(zh.scoring.points)}</th><th>${esc(zh.scoring.comment)}</th></tr></thead><tbody>${answers}</tbody></table>
      <p data-col="comment">${esc(zh.mine.reviewerComment)}${esc(r.comment ?? zh.mine.noComment)}</p>
      ${reply}
      <form class="reply"><textarea data-testid="mine-comment" rows="2" maxlength="2000" placeholder="${esc(zh.mine.placeholder)}">${esc(r.dispatcher_comment ?? '')}</textarea>
        <button class="primary" type="submit" data-testid="mine-submit">${esc(r.dispatcher_comment ? zh.mine.update : zh.mine.submit)}</button>
        <span class="status" data-testid="mine-status" role="status"></span></form>
    </article>`;
  }

  function render() {
    $('[data-testid="mine-list"]').innerHTML = reviews.length === 0 ? `<p class="muted">${esc(zh.mine.none)}</p>` : reviews.map(card).join('');
    $('[data-testid="mine-count"]').textContent = t(zh.mine.count, { n: reviews.length });
  }

  async function load() {
    try {
      const [fs, page] = await Promise.all([api.get('/v1/qa/forms'), api.get('/v1/qa/reviews?limit=100')]);
      forms = new Map(fs.map((f) => [f.id, f]));
      reviews = page.items;
      render();
      $('[data-testid="mine-load-status"]').textContent = '';
      root.dataset.loaded = String(Date.now());
    } catch (e) {
      $('[data-testid="mine-load-status"]').textContent = errorText(e);
    }
  }

  $('[data-testid="mine-list"]').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const art = /** @type {HTMLElement} */ (ev.target).closest('article[data-review]');
    const text = art.querySelector('textarea').value.trim();
    const st = art.querySelector('[data-testid="mine-status"]');
    if (!text) { st.textContent = zh.mine.empty; st.className = 'status error'; return; }
    try {
      const updated = await api.put(`/v1/qa/reviews/${art.dataset.review}/dispatcher-comment`, { comment: text });
      reviews = reviews.map((r) => (r.id === updated.id ? updated : r));
      render();
      const again = root.querySelector(`article[data-review="${updated.id}"] [data-testid="mine-status"]`);
      again.textContent = zh.mine.sent;
      again.className = 'status ok';
    } catch (e) {
      st.textContent = errorText(e);
      st.className = 'status error';
    }
  });

  return { load };
}
