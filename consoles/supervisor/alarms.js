/**
 * Open alarms for the supervisor: GET /v1/alarms?open=true at start, then alarm.raised.v1 /
 * alarm.cleared.v1 from the event feed. A change of level is a clear plus a raise at the new level
 * (docs/queues.md), so each raise lights the strip and sounds its level once. Raises replayed from
 * earlier in the day only rebuild the list; they do not sound.
 */
import { AlarmSound } from '../shared/beep.js';
import { esc, formatClock, formatDuration } from '../shared/format.js';
import { t, zh } from './i18n/zh-CN.js';
import { $ } from './ui.js';

const RANK = { critical: 0, warning: 1, info: 2 };
const LIVE_WINDOW_MS = 5000;

export function createAlarms({ api, onChange }) {
  /** alarm id -> {id, type, level, subject, details, raised_at} */
  const open = new Map();
  const sound = new AlarmSound();
  const startedAt = Date.now();

  function describe(a) {
    const d = a.details ?? {};
    const text = zh.alarms.types[a.type];
    if (!text) return t(zh.alarms.other, { type: a.type, subject: a.subject ?? '' });
    const fmt = (v) => {
      if (v === undefined || v === null) return '—';
      if (a.type === 'queue_longest_wait') return formatDuration(d.unit === 's' ? v * 1000 : v);
      if (a.type === 'queue_answered_10s_share') return `${Number(v).toFixed(1)}%`;
      return String(v);
    };
    return t(text, { queue: d.queue_id ?? a.subject ?? '', subject: a.subject ?? '', value: fmt(d.value), warning: fmt(d.warning), critical: fmt(d.critical) });
  }

  function render() {
    const items = [...open.values()].sort((a, b) => (RANK[a.level] - RANK[b.level]) || String(b.raised_at).localeCompare(String(a.raised_at)));
    const worst = items[0]?.level ?? 'none';
    const strip = $('alarm-strip');
    strip.dataset.level = worst;
    strip.dataset.beeps = String(sound.played);
    $('alarm-rows').innerHTML = items.length === 0 ? `<li class="muted">${esc(zh.alarms.none)}</li>` : items.map((a) => `
      <li class="alarm alarm-${esc(a.level)}" data-alarm="${esc(a.id)}" data-type="${esc(a.type)}" data-subject="${esc(a.subject ?? '')}" data-level="${esc(a.level)}">
        <span class="badge level-${esc(a.level)}">${esc(zh.alarms.levels[a.level] ?? a.level)}</span>
        ${esc(describe(a))} <span class="muted">${esc(t(zh.alarms.since, { time: formatClock(a.raised_at) }))}</span></li>`).join('');
    onChange?.();
  }

  return {
    sound,
    async load() {
      const page = await api.get('/v1/alarms?open=true&limit=200');
      open.clear();
      for (const a of page.items) open.set(a.id, a);
      render();
    },
    /** Feeds one event-feed message; returns true when it was an alarm event. */
    onEvent(msg) {
      const ev = msg.event;
      if (ev.type === 'alarm.raised.v1') {
        const d = ev.data;
        open.set(d.alarm_id, { id: d.alarm_id, type: d.type, level: d.level, subject: d.subject, details: d.details, raised_at: ev.at });
        if (Date.parse(ev.at) >= startedAt - LIVE_WINDOW_MS) sound.beep(d.level);
        render();
        return true;
      }
      if (ev.type === 'alarm.cleared.v1') {
        open.delete(ev.data.alarm_id);
        render();
        return true;
      }
      return false;
    },
    /** The worst open level for a subject (a queue id), or null. */
    levelFor(subject) {
      let best = null;
      for (const a of open.values()) if (a.subject === subject && (best === null || RANK[a.level] < RANK[best])) best = a.level;
      return best;
    },
    toggleMute() {
      sound.muted = !sound.muted;
      return sound.muted;
    },
    render,
  };
}
