/**
 * What QA does with the open recording besides playing and scoring it: its tags (GET/POST/DELETE
 * /v1/qa/recordings/:id/tags, audited as recording.tagged / untagged), the evidence bundle download
 * (GET /v1/recordings/:id/export: WAV, SM3 chain, signed manifest, public key; audited as
 * recording.exported), and the conversion's flags (gap: a side sent no audio for 3 s or more).
 */
import { esc, formatDuration } from '../shared/format.js';
import { downloadFile } from './download.js';
import { errorText, t, zh } from './i18n/zh-CN.js';

/** @param {{ api: ReturnType<import('../shared/api.js').createApi>, token(): string | null, root: HTMLElement, onTagsChanged?(): void }} deps */
export function createRecordingTools({ api, token, root, onTagsChanged }) {
  const $ = (sel) => root.querySelector(sel);
  let recordingId = null;

  const status = (text, level = '') => { const el = $('[data-testid="tools-status"]'); el.textContent = text; el.className = `status ${level}`; };

  function renderTags(tags) {
    $('[data-testid="tags"]').innerHTML = tags.length === 0 ? `<span class="muted small">${esc(zh.tools.noTags)}</span>` : tags.map((tag) => `
      <span class="tag" data-tag="${esc(tag)}">${esc(tag)}<button type="button" data-untag="${esc(tag)}" title="${esc(t(zh.tools.remove, { tag }))}">×</button></span>`).join('');
    root.dataset.tags = tags.join(',');
  }

  function renderFlags(meta) {
    const gaps = meta.gaps ?? [];
    const gapHtml = (meta.flags ?? []).includes('gap')
      ? `<span class="badge flag-gap" data-flag="gap">${esc(zh.tools.gap)}</span> ${gaps.map((g) => `<span class="small">${esc(t(zh.tools.gapAt, {
        channel: zh.tools.channels[g.channel] ?? g.channel, from: formatDuration(g.start_ms), to: formatDuration(g.end_ms), s: Math.round((g.end_ms - g.start_ms) / 100) / 10,
      }))}</span>`).join('；')}`
      : '';
    $('[data-testid="recording-flags"]').innerHTML = [gapHtml, segmentsHtml(meta.channels)].filter(Boolean).join(' ');
  }

  /** The call's segments on the recording's timeline (docs/recordings.md "Channel layout"): the room, the hold spans. */
  function segmentsHtml(channels) {
    const room = channels?.room;
    const held = channels?.callerHeld ?? [];
    const parts = [];
    if (room) parts.push(`<span class="small" data-segment="room">${esc(t(zh.tools.roomFrom, { from: formatDuration(room.fromMs) }))}</span>`);
    for (const [from, to] of held) parts.push(`<span class="small" data-segment="held">${esc(t(zh.tools.heldAt, { from: formatDuration(from), to: formatDuration(to) }))}</span>`);
    return parts.join('；');
  }

  async function open(hit) {
    recordingId = hit.recording_id;
    status('');
    renderTags(hit.tags ?? []);
    renderFlags({ flags: hit.flags ?? [], gaps: [] });
    try {
      const [tags, meta] = await Promise.all([api.get(`/v1/qa/recordings/${recordingId}/tags`), api.get(`/v1/recordings/${recordingId}`)]);
      renderTags(tags.tags);
      renderFlags(meta);
    } catch (e) {
      status(errorText(e), 'error');
    }
  }

  async function change(tag, on) {
    if (!recordingId) return;
    try {
      const res = on
        ? await api.post(`/v1/qa/recordings/${recordingId}/tags`, { tag })
        : await api.del(`/v1/qa/recordings/${recordingId}/tags/${encodeURIComponent(tag)}`);
      renderTags(res.tags);
      status(t(on ? zh.tools.added : zh.tools.removed, { tag }), 'ok');
      onTagsChanged?.();
    } catch (e) {
      status(errorText(e), 'error');
    }
  }

  $('[data-testid="tag-form"]').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($('[data-testid="tag-input"]'));
    const tag = input.value.trim();
    if (!tag) return;
    if (/[\s,]/.test(tag) || tag.length > 32) { status(zh.tools.badTag, 'error'); return; }
    input.value = '';
    void change(tag, true);
  });
  $('[data-testid="tags"]').addEventListener('click', (ev) => {
    const b = /** @type {HTMLElement} */ (ev.target).closest('button[data-untag]');
    if (b) void change(b.dataset.untag, false);
  });
  $('[data-testid="export-evidence"]').addEventListener('click', async () => {
    if (!recordingId) return;
    status(zh.tools.exporting);
    try {
      const f = await downloadFile(token(), `/v1/recordings/${recordingId}/export`, `recording-${recordingId}.tar`);
      status(t(zh.tools.exported, { name: f.name }), 'ok');
    } catch (e) {
      status(errorText(e), 'error');
    }
  });

  return { open };
}
