/**
 * The lists' entries (block, watch, always-allow): PostgreSQL rows, every change audited with before/after, then
 * the Redis mirror rebuilt so the next call sees it. Numbers are normalised on the way in (numbers.ts).
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change, type Queryable } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import { futureDate } from '../errors/fields.ts';
import type { ListName, MatchKind } from './match.ts';
import { rebuildMirror } from './mirror.ts';
import { normaliseNumber } from './numbers.ts';

type Deps = Pick<AppDeps, 'sql' | 'redis' | 'config'>;

export interface Entry {
  id: string;
  centre_id: string;
  list: ListName;
  match: MatchKind;
  number: string;
  reason: string;
  source: 'person' | 'proposal' | 'rule';
  author_id: string | null;
  author_name: string;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
}

export interface NewEntry {
  list: ListName;
  number: string;
  match?: MatchKind;
  reason: string;
  expires_at?: string | null;
}

export interface EntryPatch {
  list?: ListName;
  reason?: string;
  expires_at?: string | null;
}

export interface EntryFilter { list?: ListName; number?: string; include_expired?: boolean; limit: number; offset: number }

const COLUMNS = 'id::text AS id, centre_id, list, match, number, reason, source, author_id::text AS author_id, author_name, created_at, updated_at, expires_at';

export function entryNumber(raw: string): string {
  const n = normaliseNumber(raw);
  if (!n || !/^[0-9]{1,32}$/.test(n)) throw new CtiError('CTI_SCREENING_NUMBER_INVALID', { number: raw });
  return n;
}

/** Who wrote an entry: a person, or a rule (no person). */
export type Author = { change: Change } | { rule: string };

/** Inserts an entry, or renews the same (list, match, number) with the new reason and expiry; audited. */
export async function upsertEntryIn(tx: Queryable, centre: string, author: Author, e: NewEntry & { source: Entry['source'] }): Promise<Entry> {
  const number = entryNumber(e.number);
  const match = e.match ?? 'exact';
  const [before] = await tx<Entry[]>`
    SELECT ${tx.unsafe(COLUMNS)} FROM screening_entries
     WHERE centre_id = ${centre} AND list = ${e.list} AND match = ${match} AND number = ${number} FOR UPDATE`;
  const authorId = 'change' in author ? author.change.actor.id : null;
  const authorName = 'change' in author ? author.change.actor.username : `rule:${author.rule}`;
  const [row] = await tx<Entry[]>`
    INSERT INTO screening_entries (centre_id, list, match, number, reason, source, author_id, author_name, expires_at)
    VALUES (${centre}, ${e.list}, ${match}, ${number}, ${e.reason}, ${e.source}, ${authorId}, ${authorName}, ${e.expires_at ?? null})
    ON CONFLICT (centre_id, list, match, number) DO UPDATE
      SET reason = excluded.reason, source = excluded.source, author_id = excluded.author_id, author_name = excluded.author_name,
          expires_at = excluded.expires_at, updated_at = now()
    RETURNING ${tx.unsafe(COLUMNS)}`;
  const actor = 'change' in author ? author.change : { actor: { id: null, username: authorName }, ip: null };
  await recordAudit(tx, { ...actor, action: before ? 'screening_entry.updated' : 'screening_entry.created', target_type: 'screening_entry', target_id: row.id, before: before ?? null, after: row });
  return row;
}

/** A person's expiry must lie ahead: an entry that expired already would be created only to do nothing. */
const REMOVE_ENTRY_HINT = 'to remove an entry now use DELETE /v1/screening/entries/{id}';

export async function createEntry(deps: Deps, change: Change, e: NewEntry): Promise<Entry> {
  futureDate(e.expires_at, '/expires_at', REMOVE_ENTRY_HINT);
  const centre = deps.config.centreId;
  const row = await deps.sql.begin((tx) => upsertEntryIn(tx, centre, { change }, { ...e, source: 'person' }));
  await rebuildMirror(deps, centre);
  return row;
}

export async function getEntry(deps: Deps, id: string): Promise<Entry> {
  const [row] = await deps.sql<Entry[]>`SELECT ${deps.sql.unsafe(COLUMNS)} FROM screening_entries WHERE id = ${id} AND centre_id = ${deps.config.centreId}`;
  if (!row) throw new CtiError('CTI_SCREENING_ENTRY_NOT_FOUND', { id });
  return row;
}

export async function listEntries(deps: Deps, f: EntryFilter): Promise<Entry[]> {
  const number = f.number === undefined ? null : normaliseNumber(f.number);
  return deps.sql<Entry[]>`
    SELECT ${deps.sql.unsafe(COLUMNS)} FROM screening_entries
     WHERE centre_id = ${deps.config.centreId}
       AND (${f.list ?? null}::text IS NULL OR list = ${f.list ?? null})
       AND (${number}::text IS NULL OR number = ${number} OR (match = 'prefix' AND starts_with(${number}, number)))
       AND (${f.include_expired === true} OR expires_at IS NULL OR expires_at > now())
     ORDER BY list, number, match
     LIMIT ${f.limit} OFFSET ${f.offset}`;
}

async function lockEntry(tx: Queryable, centre: string, id: string): Promise<Entry> {
  const [row] = await tx<Entry[]>`SELECT ${tx.unsafe(COLUMNS)} FROM screening_entries WHERE id = ${id} AND centre_id = ${centre} FOR UPDATE`;
  if (!row) throw new CtiError('CTI_SCREENING_ENTRY_NOT_FOUND', { id });
  return row;
}

export async function updateEntry(deps: Deps, change: Change, id: string, p: EntryPatch): Promise<Entry> {
  futureDate(p.expires_at, '/expires_at', REMOVE_ENTRY_HINT);
  const centre = deps.config.centreId;
  const row = await deps.sql.begin(async (tx) => {
    const before = await lockEntry(tx, centre, id);
    const expires = p.expires_at === undefined ? before.expires_at : p.expires_at;
    const [after] = await tx<Entry[]>`
      UPDATE screening_entries SET list = ${p.list ?? before.list}, reason = ${p.reason ?? before.reason}, expires_at = ${expires},
             updated_at = now()
       WHERE id = ${id}
      RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'screening_entry.updated', target_type: 'screening_entry', target_id: id, before, after });
    return after;
  });
  await rebuildMirror(deps, centre);
  return row;
}

export async function deleteEntry(deps: Deps, change: Change, id: string): Promise<Entry> {
  const centre = deps.config.centreId;
  const gone = await deps.sql.begin(async (tx) => {
    const before = await lockEntry(tx, centre, id);
    await tx`DELETE FROM screening_entries WHERE id = ${id}`;
    await recordAudit(tx, { ...change, action: 'screening_entry.deleted', target_type: 'screening_entry', target_id: id, before });
    return before;
  });
  await rebuildMirror(deps, centre);
  return gone;
}
