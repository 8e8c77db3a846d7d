/**
 * Which list entry applies to a number. The longest matching pattern wins; at equal length an exact entry beats
 * a prefix, then allow beats block beats watch (an always-allow line is never held back by an equally specific
 * block). Expired entries are ignored.
 */
export const LISTS = ['block', 'watch', 'allow'] as const;
export type ListName = (typeof LISTS)[number];
export type MatchKind = 'exact' | 'prefix';

/** An entry as the matcher needs it (the Redis mirror holds exactly this). */
export interface ListEntry {
  id: string;
  list: ListName;
  match: MatchKind;
  number: string;
  reason: string;
  /** Epoch ms, or null for no expiry. */
  expiresMs: number | null;
}

const LIST_RANK: Record<ListName, number> = { allow: 0, block: 1, watch: 2 };

/** The Redis hash field of an entry: list, match kind and pattern (unique per centre, as in PostgreSQL). */
export function entryField(list: ListName, match: MatchKind, number: string): string {
  return `${list}|${match === 'exact' ? 'e' : 'p'}|${number}`;
}

/** Every field that could hold an entry matching `number`: its exact entries and each of its prefixes, per list. */
export function candidateFields(number: string): string[] {
  const out: string[] = [];
  for (const list of LISTS) {
    out.push(entryField(list, 'exact', number));
    for (let len = 1; len <= number.length; len++) out.push(entryField(list, 'prefix', number.slice(0, len)));
  }
  return out;
}

export function entryMatches(e: ListEntry, number: string, nowMs: number): boolean {
  if (e.expiresMs !== null && e.expiresMs <= nowMs) return false;
  return e.match === 'exact' ? e.number === number : number.startsWith(e.number);
}

/** Orders two matching entries: negative if `a` takes precedence. */
export function precedence(a: ListEntry, b: ListEntry): number {
  return (b.number.length - a.number.length)
    || ((a.match === 'exact' ? 0 : 1) - (b.match === 'exact' ? 0 : 1))
    || (LIST_RANK[a.list] - LIST_RANK[b.list]);
}

/** The entry that applies to `number` at `nowMs`, or undefined. */
export function bestMatch(entries: Iterable<ListEntry>, number: string, nowMs: number): ListEntry | undefined {
  let best: ListEntry | undefined;
  for (const e of entries) {
    if (!entryMatches(e, number, nowMs)) continue;
    if (!best || precedence(e, best) < 0) best = e;
  }
  return best;
}
