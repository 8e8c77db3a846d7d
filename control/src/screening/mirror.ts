/**
 * The Redis mirror of the lists and policies, which the call flow reads (PostgreSQL holds the facts).
 *   cti:screening:<centre>:entries   hash  "<list>|e|<number>" / "<list>|p|<prefix>" -> ListEntry (JSON)
 *   cti:screening:<centre>:policies  hash  <list> -> ListPolicy (JSON)
 *   cti:screening:<centre>:version   counter, bumped by every rebuild
 * A decision is one HMGET of the number's candidate fields (its exact field and one per prefix, per list) and one
 * HGETALL of the policies, in one round trip. Every change rebuilds the mirror from PostgreSQL; rebuilds are
 * serialised by an advisory lock, so the last one written is never older than the last change committed.
 */
import type { Redis } from 'ioredis';
import type { AppDeps } from '../app/deps.ts';
import { candidateFields, entryField, LISTS, type ListEntry, type ListName, type MatchKind } from './match.ts';
import { DEFAULT_POLICIES, type ListPolicy, type Policies, type PolicyName } from './policy.ts';

export const entriesKey = (centre: string): string => `cti:screening:${centre}:entries`;
export const policiesKey = (centre: string): string => `cti:screening:${centre}:policies`;
export const versionKey = (centre: string): string => `cti:screening:${centre}:version`;

type MirrorDeps = Pick<AppDeps, 'sql' | 'redis'>;

/** Rewrites the centre's mirror from PostgreSQL (on start, and after every change). Returns the new version. */
export async function rebuildMirror(deps: MirrorDeps, centre: string): Promise<number> {
  return deps.sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext('screening_mirror'), hashtext(${centre}))`;
    const rows = await tx<{ id: string; list: ListName; match: MatchKind; number: string; reason: string; expires_at: Date | null }[]>`
      SELECT id::text AS id, list, match, number, reason, expires_at FROM screening_entries
       WHERE centre_id = ${centre} AND (expires_at IS NULL OR expires_at > now())`;
    const pols = await tx<{ list: ListName; policy: PolicyName; override_period_s: number }[]>`
      SELECT list, policy, override_period_s FROM screening_policies WHERE centre_id = ${centre}`;
    const entries: Record<string, string> = {};
    for (const r of rows) {
      const e: ListEntry = { id: r.id, list: r.list, match: r.match, number: r.number, reason: r.reason, expiresMs: r.expires_at ? r.expires_at.getTime() : null };
      entries[entryField(e.list, e.match, e.number)] = JSON.stringify(e);
    }
    const policies: Record<string, string> = {};
    for (const p of pols) policies[p.list] = JSON.stringify({ list: p.list, policy: p.policy, overridePeriodS: p.override_period_s } satisfies ListPolicy);
    const m = deps.redis.multi().del(entriesKey(centre), policiesKey(centre));
    if (rows.length) m.hset(entriesKey(centre), entries);
    if (pols.length) m.hset(policiesKey(centre), policies);
    m.incr(versionKey(centre));
    const res = await m.exec();
    const last = res?.[res.length - 1];
    if (!last || last[0]) throw last?.[0] ?? new Error('screening mirror: Redis MULTI was discarded');
    return Number(last[1]);
  });
}

/** The entries that could match `number`, and the policies: one round trip. */
export async function readCandidates(redis: Redis, centre: string, number: string): Promise<{ entries: ListEntry[]; policies: Policies }> {
  const res = await redis.pipeline()
    .hmget(entriesKey(centre), ...candidateFields(number))
    .hgetall(policiesKey(centre))
    .exec();
  if (!res) throw new Error('screening mirror: Redis pipeline returned nothing');
  for (const [err] of res) if (err) throw err;
  const values = res[0][1] as (string | null)[];
  const entries = values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as ListEntry);
  return { entries, policies: parsePolicies(res[1][1] as Record<string, string>) };
}

export function parsePolicies(h: Record<string, string>): Policies {
  const out = { ...DEFAULT_POLICIES };
  for (const list of LISTS) if (h[list]) out[list] = JSON.parse(h[list]) as ListPolicy;
  return out;
}
