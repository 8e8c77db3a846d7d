/**
 * Scoring-form editing (评分表管理, qa / supervisor / admin): the centre's forms (GET /v1/qa/forms), and
 * an editor for one: name, description, grade thresholds (优/良/中, below 中 is 差), active, and items
 * with weight and scale; an objective item is bound to a stored timing (ring / answer / queue / talk
 * seconds) through bands "up to N s -> value". Saves with POST /v1/qa/forms or PATCH /v1/qa/forms/:id
 * (audited server-side as qa_form.created / updated). A form that reviews use keeps its items.
 */
import { esc } from '../shared/format.js';
import { errorText, t, zh } from './i18n/zh-CN.js';

export const METRICS = ['ring_s', 'answer_s', 'queue_s', 'talk_s'];

/** "10:10, 20:5" -> [{up_to_s: 10, value: 10}, {up_to_s: 20, value: 5}]; null if not in that form. */
export function parseBands(text) {
  const parts = String(text).split(/[,，;；]/).map((p) => p.trim()).filter(Boolean);
  const out = [];
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)\s*[:：]\s*(-?\d+(?:\.\d+)?)$/.exec(p);
    if (!m) return null;
    out.push({ up_to_s: Number(m[1]), value: Number(m[2]) });
  }
  return out;
}

export function formatBands(bands) {
  return (bands ?? []).map((b) => `${b.up_to_s}:${b.value}`).join(', ');
}

const BLANK = { key: '', label: '', kind: 'subjective', weight: 10, min: 0, max: 5 };

/** @param {{ api: ReturnType<import('../shared/api.js').createApi>, root: HTMLElement, onSaved(): Promise<void> | void }} deps */
export function createFormsEditor({ api, root, onSaved }) {
  const $ = (sel) => root.querySelector(sel);
  let forms = [];
  let editing = null; // the form being edited, or {} for a new one

  const status = (text, level = '') => { const el = $('[data-testid="fe-status"]'); el.textContent = text; el.className = `status ${level}`; };

  function renderList() {
    $('[data-testid="forms-list"] tbody').innerHTML = forms.length === 0 ? `<tr><td colspan="5" class="muted">${esc(zh.forms.none)}</td></tr>` : forms.map((f) => `
      <tr data-form="${esc(f.id)}"><td data-col="name">${esc(f.name)}</td><td>${f.items.length}</td>
        <td data-col="active">${esc(f.active ? zh.forms.active : zh.forms.inactive)}</td><td>${esc(f.in_use ? zh.forms.inUse : '')}</td>
        <td><button type="button" data-act="edit">${esc(zh.forms.edit)}</button></td></tr>`).join('');
  }

  async function load() {
    try {
      forms = await api.get('/v1/qa/forms');
      renderList();
    } catch (e) {
      status(errorText(e), 'error');
    }
  }

  function itemRow(it, locked) {
    const dis = locked ? 'disabled' : '';
    const objective = it.kind === 'objective';
    return `<tr data-row>
      <td><input name="key" class="mid" value="${esc(it.key)}" ${dis} placeholder="info"></td>
      <td><input name="label" value="${esc(it.label)}" ${dis}></td>
      <td><select name="kind" ${dis}>${['subjective', 'objective'].map((k) => `<option value="${k}" ${it.kind === k ? 'selected' : ''}>${esc(zh.forms.kinds[k])}</option>`).join('')}</select></td>
      <td><input name="weight" type="number" min="0" step="any" class="narrow" value="${esc(it.weight)}" ${dis}></td>
      <td><input name="min" type="number" step="any" class="narrow" value="${esc(it.min)}" ${dis}></td>
      <td><input name="max" type="number" step="any" class="narrow" value="${esc(it.max)}" ${dis}></td>
      <td><select name="metric" ${dis || (objective ? '' : 'disabled')}>${METRICS.map((m) => `<option value="${m}" ${it.metric === m ? 'selected' : ''}>${esc(zh.forms.metrics[m])}</option>`).join('')}</select></td>
      <td><input name="bands" class="mid" value="${esc(formatBands(it.bands))}" placeholder="10:10, 20:5" ${dis || (objective ? '' : 'disabled')}></td>
      <td><input name="otherwise" type="number" step="any" class="narrow" value="${esc(it.otherwise ?? '')}" ${dis || (objective ? '' : 'disabled')}></td>
      <td><button type="button" data-remove ${dis}>${esc(zh.forms.removeItem)}</button></td></tr>`;
  }

  function openEditor(f) {
    editing = f;
    const locked = Boolean(f.in_use);
    $('[data-testid="form-editor"]').classList.remove('hidden');
    $('[data-testid="form-editor"]').dataset.form = f.id ?? 'new';
    $('[data-testid="fe-title"]').textContent = f.id ? t(zh.forms.editing, { name: f.name }) : zh.forms.creating;
    $('#fe-name').value = f.name ?? '';
    $('#fe-desc').value = f.description ?? '';
    const g = f.grades ?? { excellent: 90, good: 80, fair: 60 };
    $('#fe-excellent').value = g.excellent;
    $('#fe-good').value = g.good;
    $('#fe-fair').value = g.fair;
    $('#fe-active').checked = f.active ?? true;
    $('[data-testid="fe-items"]').innerHTML = (f.items ?? [BLANK]).map((it) => itemRow(it, locked)).join('');
    $('[data-testid="fe-add-item"]').disabled = locked;
    $('[data-testid="fe-locked"]').classList.toggle('hidden', !locked);
    status('');
  }

  /** The editor's items as the API wants them; throws a Chinese message for a row it cannot read. */
  function readItems() {
    return [...root.querySelectorAll('[data-testid="fe-items"] tr[data-row]')].map((tr, i) => {
      const v = (n) => /** @type {HTMLInputElement} */ (tr.querySelector(`[name="${n}"]`)).value.trim();
      const item = { key: v('key'), label: v('label'), kind: v('kind'), weight: Number(v('weight')), min: Number(v('min')), max: Number(v('max')) };
      if (!item.key || !item.label) throw new Error(t(zh.forms.rowIncomplete, { n: i + 1 }));
      if (item.kind === 'objective') {
        const bands = parseBands(v('bands'));
        if (!bands || bands.length === 0) throw new Error(t(zh.forms.badBands, { n: i + 1 }));
        Object.assign(item, { metric: v('metric'), bands }, v('otherwise') === '' ? {} : { otherwise: Number(v('otherwise')) });
      }
      return item;
    });
  }

  async function save() {
    let body;
    try {
      body = {
        name: $('#fe-name').value.trim(), description: $('#fe-desc').value.trim() || null,
        grades: { excellent: Number($('#fe-excellent').value), good: Number($('#fe-good').value), fair: Number($('#fe-fair').value) },
      };
      if (!editing.in_use) body.items = readItems();
    } catch (e) {
      status(e.message, 'error');
      return;
    }
    try {
      const saved = editing.id
        ? await api.patch(`/v1/qa/forms/${editing.id}`, { ...body, active: $('#fe-active').checked })
        : await api.post('/v1/qa/forms', body);
      if (!editing.id && !$('#fe-active').checked) await api.patch(`/v1/qa/forms/${saved.id}`, { active: false });
      await load();
      openEditor(forms.find((f) => f.id === saved.id) ?? saved);
      status(t(zh.forms.saved, { name: saved.name }), 'ok');
      await onSaved();
    } catch (e) {
      const problems = e?.details?.problems;
      status(problems ? `${errorText(e)}：${problems.join('；')}` : errorText(e), 'error');
    }
  }

  $('[data-testid="forms-list"]').addEventListener('click', (ev) => {
    const id = /** @type {HTMLElement} */ (ev.target).closest('button[data-act="edit"]')?.closest('tr')?.dataset.form;
    const f = forms.find((x) => x.id === id);
    if (f) openEditor(f);
  });
  $('[data-testid="form-new"]').addEventListener('click', () => openEditor({}));
  $('[data-testid="fe-add-item"]').addEventListener('click', () => $('[data-testid="fe-items"]').insertAdjacentHTML('beforeend', itemRow(BLANK, false)));
  $('[data-testid="fe-items"]').addEventListener('click', (ev) => {
    const b = /** @type {HTMLElement} */ (ev.target).closest('button[data-remove]');
    if (b) b.closest('tr').remove();
  });
  $('[data-testid="fe-items"]').addEventListener('change', (ev) => {
    const sel = /** @type {HTMLSelectElement} */ (ev.target);
    if (sel.name !== 'kind') return;
    for (const n of ['metric', 'bands', 'otherwise']) sel.closest('tr').querySelector(`[name="${n}"]`).disabled = sel.value !== 'objective';
  });
  $('[data-testid="form-editor"] form').addEventListener('submit', (ev) => { ev.preventDefault(); void save(); });

  return { load };
}
