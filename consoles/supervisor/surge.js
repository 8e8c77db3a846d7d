/**
 * Surge seats (docs/surge.md): seat templates (GET/POST /v1/seat-templates), opening a surge
 * (POST /v1/surges), whose one-time SIP passwords and login links are shown once in a dialog with a
 * copy button and wiped from the page when it closes, and the open surges with their end button
 * (POST /v1/surges/:id/end).
 */
import { esc, formatClock } from '../shared/format.js';
import { t, zh } from './i18n/zh-CN.js';
import { $, banner, busy, errorText, formValues } from './ui.js';

const S = zh.surge;
const DEFAULT_HOURS = 8;

/** A Date as the value of <input type="datetime-local"> in local time. */
function localInputValue(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function createSurgePanel({ api }) {
  let templates = [];
  let surges = [];
  let secretText = '';

  function renderTemplates() {
    $('template-rows').innerHTML = templates.length === 0 ? `<tr><td colspan="6" class="muted">${esc(S.noTemplates)}</td></tr>` : templates.map((x) => `
      <tr data-template="${esc(x.id)}"><td>${esc(x.id)}</td><td>${esc(x.name)}</td><td>${esc(x.queues.join('、'))}</td>
        <td>${x.tier}</td><td>${x.wrapup_s ?? '—'}</td><td>${esc(S.roles[x.role] ?? x.role)}</td></tr>`).join('');
    const sel = $('surge-template');
    const keep = sel.value;
    sel.innerHTML = templates.map((x) => `<option value="${esc(x.id)}">${esc(`${x.name}（${x.id}）`)}</option>`).join('');
    if (keep && templates.some((x) => x.id === keep)) sel.value = keep;
    $('surge-create').disabled = templates.length === 0;
  }

  function renderSurges() {
    $('surge-rows').innerHTML = surges.length === 0 ? `<tr><td colspan="8" class="muted">${esc(S.none)}</td></tr>` : surges.map((s) => `
      <tr data-surge="${esc(s.id)}" data-prefix="${esc(s.prefix)}" data-status="${esc(s.status)}">
        <td>${esc(s.prefix)}</td><td>${esc(s.reason)}</td><td>${esc(s.template_id)}</td>
        <td data-col="seats">${esc(s.seats.map((x) => x.seat_id).join(' '))}</td>
        <td>${esc(formatClock(s.created_at))} · ${esc(s.created_by_name)}</td><td>${esc(formatClock(s.expires_at))}</td>
        <td data-col="status"><span class="badge surge-${esc(s.status)}">${esc(S.statuses[s.status] ?? s.status)}</span></td>
        <td>${s.status === 'active' ? `<button class="stop" data-act="end-surge" data-surge="${esc(s.id)}">${esc(S.end)}</button>` : ''}</td>
      </tr>`).join('');
  }

  async function loadTemplates() {
    templates = (await api.get('/v1/seat-templates')).items;
    renderTemplates();
  }

  async function loadSurges() {
    surges = (await api.get('/v1/surges?open=true')).items;
    renderSurges();
  }

  async function loadQueueChoices() {
    const queues = (await api.get('/v1/queues')).items;
    $('template-queues').innerHTML = queues.map((q) => `<label class="check"><input type="checkbox" name="queues" value="${esc(q.id)}"> ${esc(q.name)}（${esc(q.id)}）</label>`).join('');
  }

  async function createTemplate(ev) {
    ev.preventDefault();
    const f = ev.target;
    const v = formValues(f);
    const queues = [...f.querySelectorAll('input[name="queues"]:checked')].map((c) => c.value);
    const body = { id: v.id, name: v.name, queues, role: 'dispatcher' };
    if (v.tier) body.tier = Number(v.tier);
    if (v.wrapup_s) body.wrapup_s = Number(v.wrapup_s);
    await busy($('template-submit'), async () => {
      try {
        const x = await api.post('/v1/seat-templates', body);
        banner('action', 'ok', t(S.templateCreated, { id: x.id }));
        $('template-error').textContent = '';
        f.reset();
        await loadTemplates();
      } catch (e) {
        $('template-error').textContent = errorText(e);
      }
    });
  }

  function showSecrets(created) {
    const lines = created.seats.map((s) => t(S.copyLine, { seat: s.id, user: `${s.sip_username}@${s.sip_domain}`, password: s.sip_password, link: s.login_url }));
    secretText = `${created.surge.reason}\n${lines.join('\n')}`;
    $('secret-rows').innerHTML = created.seats.map((s) => `
      <tr data-seat="${esc(s.id)}"><td>${esc(s.id)}</td><td>${esc(`${s.sip_username}@${s.sip_domain}`)}</td>
        <td class="secret" data-col="password">${esc(s.sip_password)}</td><td><a href="${esc(s.login_url)}" target="_blank" rel="noopener">${esc(s.login_url)}</a></td></tr>`).join('');
    $('secret-text').value = secretText;
    $('secret-copy-status').textContent = '';
    $('secret-dialog').showModal();
  }

  function wipeSecrets() {
    secretText = '';
    $('secret-rows').innerHTML = '';
    $('secret-text').value = '';
  }

  async function copySecrets() {
    try {
      await navigator.clipboard.writeText(secretText);
      $('secret-copy-status').textContent = S.copied;
    } catch {
      const ta = $('secret-text');
      ta.classList.remove('hidden');
      ta.select();
      $('secret-copy-status').textContent = document.execCommand?.('copy') ? S.copied : S.copyFailed;
    }
  }

  async function createSurge(ev) {
    ev.preventDefault();
    const v = formValues(ev.target);
    const body = { template_id: v.template_id, count: Number(v.count), expires_at: new Date(v.expires_at).toISOString(), reason: v.reason };
    if (v.prefix) body.prefix = v.prefix;
    const button = $('surge-create');
    await busy(button, async () => {
      button.textContent = S.creating;
      try {
        const created = await api.post('/v1/surges', body);
        $('surge-error').textContent = '';
        showSecrets(created);
        await loadSurges();
      } catch (e) {
        $('surge-error').textContent = errorText(e);
      } finally {
        button.textContent = S.create;
      }
    });
  }

  async function endSurge(id) {
    const s = surges.find((x) => x.id === id);
    if (!s || !confirm(t(S.confirmEnd, { prefix: s.prefix, count: s.seat_count }))) return;
    try {
      await api.post(`/v1/surges/${encodeURIComponent(id)}/end`, {});
      banner('action', 'ok', t(S.ended, { prefix: s.prefix }));
    } catch (e) {
      banner('action', 'error', errorText(e));
    }
    await loadSurges().catch((e) => banner('surge', 'error', errorText(e)));
  }

  function init() {
    $('surge-expires').value = localInputValue(new Date(Date.now() + DEFAULT_HOURS * 3_600_000));
    $('template-form').addEventListener('submit', (ev) => void createTemplate(ev));
    $('surge-form').addEventListener('submit', (ev) => void createSurge(ev));
    $('surge-rows').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-act="end-surge"]');
      if (b) void endSurge(b.dataset.surge);
    });
    $('secret-copy').onclick = () => void copySecrets();
    $('secret-close').onclick = () => {
      if (!confirm(S.confirmClose)) return;
      $('secret-dialog').close();
    };
    $('secret-dialog').addEventListener('cancel', (e) => e.preventDefault());
    $('secret-dialog').addEventListener('close', wipeSecrets);
  }

  return {
    init,
    async load() {
      try {
        await Promise.all([loadTemplates(), loadSurges(), loadQueueChoices()]);
      } catch (e) {
        banner('surge', 'error', errorText(e));
      }
    },
  };
}
