/**
 * The outbox itself: a Redis stream (AOF-persisted, replicated to the pair's replica like every key), appended in
 * the order the writes were made and read from its start by the replayer; entries leave it only once written.
 * Entries that cannot be written (a bug, not an outage) move to a dead-letter stream for an operator.
 */
import type { Redis } from 'ioredis';
import { decodeEntry, encodeEntry, streamIdMs, type OutboxEntry } from './entry.ts';

export const OUTBOX_KEY = 'cti:facts:outbox';
export const OUTBOX_DEAD_KEY = 'cti:facts:outbox:dead';
export const OUTBOX_REPLAYER_KEY = 'cti:facts:outbox:replayer';

// while the outbox holds anything, a new write joins its end (never overtakes it): check and append in one step
const APPEND_IF_PENDING_LUA = `
if redis.call('XLEN', KEYS[1]) > 0 then return redis.call('XADD', KEYS[1], '*', 'e', ARGV[1]) end
return false`;

/** Appends when the outbox is not empty; false when it is (the caller may write directly). */
export async function appendIfPending(redis: Redis, e: OutboxEntry): Promise<boolean> {
  return (await redis.eval(APPEND_IF_PENDING_LUA, 1, OUTBOX_KEY, encodeEntry(e))) !== null;
}

export async function appendEntry(redis: Redis, e: OutboxEntry): Promise<void> {
  await redis.xadd(OUTBOX_KEY, '*', 'e', encodeEntry(e));
}

export interface StoredEntry {
  streamId: string;
  raw: string;
  entry: OutboxEntry | undefined;
}

/** The oldest entries, in order. */
export async function readBatch(redis: Redis, count: number): Promise<StoredEntry[]> {
  const rows = await redis.xrange(OUTBOX_KEY, '-', '+', 'COUNT', count);
  return rows.map(([streamId, fields]) => {
    const raw = fields[fields.indexOf('e') + 1] ?? '';
    return { streamId, raw, entry: decodeEntry(raw) };
  });
}

export async function removeEntry(redis: Redis, streamId: string): Promise<void> {
  await redis.xdel(OUTBOX_KEY, streamId);
}

/** Moves an entry to the dead-letter stream with the reason (one step: it is never in both, never in neither). */
export async function deadLetter(redis: Redis, s: StoredEntry, reason: string): Promise<void> {
  await redis.multi().xadd(OUTBOX_DEAD_KEY, '*', 'e', s.raw, 'reason', reason.slice(0, 2000), 'from', s.streamId).xdel(OUTBOX_KEY, s.streamId).exec();
}

export interface OutboxFigures {
  /** Writes waiting. */
  backlog: number;
  /** Age of the oldest waiting write (0 when none). */
  oldest_age_ms: number;
  /** Writes that could not be written (a bug) and wait for an operator. */
  dead: number;
}

export async function outboxFigures(redis: Redis, now = Date.now()): Promise<OutboxFigures> {
  const [[, backlog], [, first], [, dead]] = (await redis.multi().xlen(OUTBOX_KEY).xrange(OUTBOX_KEY, '-', '+', 'COUNT', 1).xlen(OUTBOX_DEAD_KEY).exec()) as [
    [unknown, number], [unknown, [string, string[]][]], [unknown, number]];
  const oldest = first[0] ? streamIdMs(first[0][0]) : now;
  return { backlog, oldest_age_ms: Math.max(0, now - oldest), dead };
}

// one replayer at a time across the control planes of a pair (order); renewed while it works
const LOCK_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

export async function holdReplayLock(redis: Redis, owner: string, ttlMs: number): Promise<boolean> {
  return (await redis.eval(LOCK_LUA, 1, OUTBOX_REPLAYER_KEY, owner, String(ttlMs))) === 1;
}
