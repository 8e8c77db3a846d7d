/**
 * Screening lists and proposals (docs/screening.md): the entries of the block / watch / always-allow
 * lists (GET, POST, DELETE /v1/screening/entries) and the pending nuisance proposals with approve and
 * reject. Proposals reload on each screening.proposed.v1.
 */
import { esc, formatClock } from '../shared/format.js';
import { t, zh } from './i18n/zh-CN.js';
import { $, banner, busy, errorText, formValues } from './ui.js';

const S = zh.screening;

export function createScreening({ api }) {
  let entries = [];
  let proposals = [];
  let reloadTimer = null;

  function renderEntries() {
    $('entry-rows').innerHTML = entries.length === 0 ? `<tr><td colspan="8" class="muted">${esc(S.none)}</td></tr>` : entries.map((e) => `
      <tr data-entry="${esc(e.id)}" data-number="${esc(e.number)}" data-list="${esc(e.list)}">
        <td><span class="badge list-${esc(e.list)}">${esc(S.lists[e.list] ?? e.list)}</span></td>
        <td>${esc(S.matches[e.match] ?? e.match)}</td><td class="number">${esc(e.number)}</td><td>${esc(e.reason)}</td>
        <td>${esc(S.sources[e.source] ?? e.source)}</td><td>${esc(e.author_name)}</td>
        <td>${e.expires_at ? esc(formatClock(e.expires_at)) : esc(S.never)}</td>
        <td><button data-act="delete-entry" data-entry="${esc(e.id)}">${esc(S.delete)}</button></td>
      </tr>`).join('');
  }

  function renderProposals() {
    $('proposal-rows').innerHTML = proposals.length === 0 ? `<tr><td colspan="6" class="muted">${esc(S.proposal.none)}</td></tr>` : proposals.map((p) => `
      <tr data-proposal="${esc(p.id)}" data-number="${esc(p.number)}">
        <td class="number">${esc(p.number)}</td>
        <td><select data-field="list">${['block', 'watch'].map((l) => `<option value="${l}" ${l === p.list ? 'selected' : ''}>${esc(S.lists[l])}</option>`).join('')}</select></td>
        <td>${esc(p.reasons.map((r) => S.reasons[r] ?? r).join('、'))}${p.notes.length ? `<div class="muted">${esc(p.notes.join('；'))}</div>` : ''}</td>
        <td>${p.strength}</td><td>${esc(formatClock(p.created_at))}</td>
        <td><input data-field="hours" type="number" min="1" max="8760" value="24" title="${esc(S.proposal.expiresInH)}" class="narrow">
          <button class="stop" data-act="approve" data-proposal="${esc(p.id)}">${esc(S.proposal.approve)}</button>
          <button data-act="reject" data-proposal="${esc(p.id)}">${esc(S.proposal.reject)}</button></td>
      </tr>`).join('');
  }

  async function loadEntries() {
    const list = $('entry-filter').value;
    try {
      entries = (await api.get(`/v1/screening/entries?limit=500${list ? `&list=${encodeURIComponent(list)}` : ''}`)).items;
      renderEntries();
    } catch (e) {
      banner('screening', 'error', errorText(e));
    }
  }

  async function loadProposals() {
    try {
      proposals = (await api.get('/v1/screening/proposals?status=pending&limit=200')).items;
      renderProposals();
    } catch (e) {
      banner('screening', 'error', errorText(e));
    }
  }

  async function addEntry(ev) {
    ev.preventDefault();
    const v = formValues(ev.target);
    const body = { list: v.list, number: v.number, match: v.match, reason: v.reason };
    if (v.hours) body.expires_at = new Date(Date.now() + Number(v.hours) * 3_600_000).toISOString();
    await busy($('entry-add'), async () => {
      try {
        const e = await api.post('/v1/screening/entries', body);
        banner('action', 'ok', t(S.added, { number: e.number, list: S.lists[e.list] }));
        $('entry-error').textContent = '';
        ev.target.reset();
        await loadEntries();
      } catch (e) {
        $('entry-error').textContent = errorText(e);
      }
    });
  }

  async function deleteEntry(id) {
    const e = entries.find((x) => x.id === id);
    if (!e || !confirm(t(S.confirmDelete, { number: e.number, list: S.lists[e.list] }))) return;
    try {
      await api.del(`/v1/screening/entries/${encodeURIComponent(id)}`);
      banner('action', 'ok', t(S.deleted, { number: e.number }));
    } catch (err) {
      banner('action', 'error', errorText(err));
    }
    await loadEntries();
  }

  async function review(id, act, tr) {
    const p = proposals.find((x) => x.id === id);
    if (!p) return;
    try {
      if (act === 'approve') {
        const list = tr.querySelector('[data-field="list"]').value;
        const hours = Number(tr.querySelector('[data-field="hours"]').value) || 24;
        await api.post(`/v1/screening/proposals/${encodeURIComponent(id)}/approve`, { list, expires_in_h: hours });
        banner('action', 'ok', t(S.proposal.approved, { number: p.number, list: S.lists[list] }));
        await loadEntries();
      } else {
        if (!confirm(t(S.proposal.confirmReject, { number: p.number }))) return;
        await api.post(`/v1/screening/proposals/${encodeURIComponent(id)}/reject`, {});
        banner('action', 'ok', t(S.proposal.rejected, { number: p.number }));
      }
    } catch (e) {
      banner('action', 'error', errorText(e));
    }
    await loadProposals();
  }

  function init() {
    const opts = (all) => `${all ? `<option value="">${esc(S.allLists)}</option>` : ''}${Object.entries(S.lists).map(([k, v]) => `<option value="${k}">${esc(v)}</option>`).join('')}`;
    $('entry-filter').innerHTML = opts(true);
    $('entry-list').innerHTML = opts(false);
    $('entry-match').innerHTML = Object.entries(S.matches).map(([k, v]) => `<option value="${k}">${esc(v)}</option>`).join('');
    $('entry-filter').onchange = () => void loadEntries();
    $('entry-form').addEventListener('submit', (ev) => void addEntry(ev));
    $('entry-rows').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-act="delete-entry"]');
      if (b) void deleteEntry(b.dataset.entry);
    });
    $('proposal-rows').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-act]');
      if (b) void review(b.dataset.proposal, b.dataset.act, b.closest('tr'));
    });
  }

  return {
    init,
    async load() { await Promise.all([loadEntries(), loadProposals()]); },
    onEvent(msg) {
      if (msg.event.type !== 'screening.proposed.v1') return;
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(loadProposals, 300);
    },
  };
}
