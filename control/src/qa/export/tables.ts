/** Score cards and reviews as tables (Chinese headings), for CSV and .xlsx. */
import type { Review } from '../reviews.ts';
import type { ScoreCards } from '../scorecards.ts';
import type { Cell } from './xlsx.ts';

export function scoreCardRows(c: ScoreCards): Cell[][] {
  const head: Cell[] = ['调度员', '调度员ID', '评分次数', '平均分', '等级', '最低分', '最高分', ...c.form.items.map((i) => `${i.label}(${i.weight})`)];
  const rows: Cell[][] = c.dispatchers.map((d) => [d.dispatcher_name ?? '(未登录席位)', d.dispatcher_id, d.reviews, d.average, d.grade, d.min, d.max,
    ...c.form.items.map((i) => d.items[i.key] ?? null)]);
  rows.push(['团队平均', null, c.team.reviews, c.team.average, c.team.grade, c.team.min, c.team.max, ...c.form.items.map((i) => c.team.items[i.key] ?? null)]);
  return [head, ...rows];
}

export function reviewRows(c: ScoreCards, reviews: Review[], names: Map<string, string>): Cell[][] {
  const head: Cell[] = ['评分ID', '通话ID', '来电时间', '席位', '调度员', '评分人', '状态', '得分', '等级', ...c.form.items.map((i) => i.label), '评语', '调度员回复'];
  return [head, ...reviews.map((r) => {
    const byKey = new Map((r.answers as Array<{ key: string; value: number | null }>).map((a) => [a.key, a.value]));
    return [r.id, r.call_id, r.call_arrived_at.toISOString(), r.seat_id, r.dispatcher_id ? names.get(r.dispatcher_id) ?? r.dispatcher_id : null,
      names.get(r.reviewer_id) ?? r.reviewer_id, r.status === 'final' ? '已定稿' : '草稿', r.score, r.grade,
      ...c.form.items.map((i) => byKey.get(i.key) ?? null), r.comment, r.dispatcher_comment];
  })];
}

/** RFC 4180 CSV with a UTF-8 byte order mark (so Excel opens the Chinese text correctly), CRLF line ends. */
export function csv(rows: Cell[][]): Buffer {
  const field = (v: Cell) => {
    if (v === null) return '';
    const s = String(v);
    // A leading =, +, - or @ would be a formula in a spreadsheet: quote it with a leading apostrophe.
    const safe = typeof v === 'string' && /^[=+\-@]/.test(s) ? `'${s}` : s;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n', 'utf8')]);
}
