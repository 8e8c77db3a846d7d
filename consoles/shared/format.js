/** Durations and times for the consoles (no text: the apps' i18n files hold the words). */

/** 65_000 -> "01:05"; 3_725_000 -> "1:02:05"; negative or missing -> "--:--". */
export function formatDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '--:--';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** An ISO time as local "MM-DD HH:MM:SS" (the centre's wall clock). */
export function formatClock(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The Redis stream id of local midnight today: replaying from it gives today's events. */
export function midnightStreamId(now = new Date()) {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return `${d.getTime()}-0`;
}

/** The stream id `ms` milliseconds before now. */
export function streamIdAgo(ms, now = Date.now()) {
  return `${Math.max(0, now - ms)}-0`;
}

/** Escapes text for innerHTML. */
export function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
