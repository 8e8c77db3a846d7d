/**
 * The recordings index (table `recordings`, one row per SIP Call-ID):
 *
 *   (none) --spool delivers--> ready
 *   (none) --conversion failed--> failed --a later good delivery--> ready
 *   (none) --grace passed, nothing arrived--> missing --the recording arrives late--> ready
 *
 * `ready` is final: a second, different recording for the same Call-ID keeps the first (the caller
 * raises recording_conflict). The call id and centre come from `calls.sip_call_id`, else the config's centre.
 */
import type { Sql, TransactionSql } from 'postgres';
import type { ChannelResult, RoomSegment } from '../../../recordings/src/convert.ts';
import type { RecordingReady } from '../../../recordings/src/spool.ts';
import { missingAudio, type AudioGap } from './gaps.ts';
import { inScope, type CentreScope } from '../auth/scope.ts';
import { CtiError } from '../errors/catalogue.ts';

export type RecordingStatus = 'ready' | 'missing' | 'failed';

export interface RecordingRow {
  id: string;
  call_id: string | null;
  sip_call_id: string;
  centre_id: string;
  status: RecordingStatus;
  path: string | null;
  started_at: Date | null;
  duration_ms: number | null;
  size_bytes: number | null;
  sm3: string | null;
  channels: Record<string, unknown> | null;
  /** Marks for QA: `gap` = a side sent no audio for 3 s or more after the answer (`gaps` lists where). */
  flags: string[];
  gaps: AudioGap[] | null;
  created_at: Date;
}

const COLUMNS = 'id, call_id, sip_call_id, centre_id, status, path, started_at, duration_ms, size_bytes::float8 AS size_bytes, sm3, channels, flags, gaps, created_at';

/**
 * What is kept of each channel: the statistics, without per-packet detail; and, for a call that went into a conference
 * room, from when the seat channel holds the room's mix for the caller (`room`, docs/recordings.md "Channel layout").
 */
export function channelsJson(channels: readonly ChannelResult[], r: { room?: RoomSegment; callerHeld?: Array<[number, number]> } = {}): Record<string, unknown> {
  const [caller, seat] = channels;
  return { caller, seat, ...(r.room ? { room: r.room } : {}), ...(r.callerHeld ? { callerHeld: r.callerHeld } : {}) };
}

export type IndexOutcome =
  | { kind: 'indexed'; row: RecordingRow; previous: RecordingStatus | null; gaps: AudioGap[] }
  | { kind: 'conflict'; row: RecordingRow };

interface CallRef {
  id: string | null;
  centre_id: string;
  sip_call_id: string;
}

/**
 * The call a recording belongs to: the call with that Call-ID, or the call whose leg it is (a blind transfer's new
 * leg, calls/transfer/: the gateway's new INVITE under its own Call-ID is a leg of the same call record), so that
 * the call keeps every recording of its legs (docs/recordings.md "Channel layout").
 */
async function callBySipId(tx: TransactionSql, centreId: string, sipCallId: string): Promise<CallRef> {
  const [c] = await tx<CallRef[]>`SELECT id, centre_id, sip_call_id FROM calls WHERE sip_call_id = ${sipCallId}`;
  if (c) return c;
  const [leg] = await tx<{ id: string; centre_id: string }[]>`
    SELECT c.id, c.centre_id FROM call_legs l JOIN calls c ON c.id = l.call_id WHERE l.sip_call_id = ${sipCallId} ORDER BY l.id LIMIT 1`;
  return { id: leg?.id ?? null, centre_id: leg?.centre_id ?? centreId, sip_call_id: sipCallId };
}

async function lockRow(tx: TransactionSql, sipCallId: string): Promise<RecordingRow | undefined> {
  // A transaction-scoped lock on the Call-ID: the spool and the watch never interleave on one call.
  await tx`SELECT pg_advisory_xact_lock(hashtext('recording'), hashtext(${sipCallId}))`;
  const [row] = await tx<RecordingRow[]>`SELECT ${tx.unsafe(COLUMNS)} FROM recordings WHERE sip_call_id = ${sipCallId}`;
  return row;
}

async function upsert(tx: TransactionSql, centreId: string, existing: RecordingRow | undefined, sipCallId: string,
  values: Record<string, unknown>): Promise<RecordingRow> {
  if (existing) {
    if (existing.call_id === null) {
      const call = await callBySipId(tx, centreId, sipCallId);
      if (call.id !== null) values = { ...values, call_id: call.id };
    }
    const [row] = await tx<RecordingRow[]>`UPDATE recordings SET ${tx(values)} WHERE id = ${existing.id} RETURNING ${tx.unsafe(COLUMNS)}`;
    return row;
  }
  const call = await callBySipId(tx, centreId, sipCallId);
  const [row] = await tx<RecordingRow[]>`
    INSERT INTO recordings ${tx({ call_id: call.id, sip_call_id: sipCallId, centre_id: call.centre_id, ...values })}
    RETURNING ${tx.unsafe(COLUMNS)}`;
  return row;
}

/** Indexes a converted recording; idempotent for the same file (the spool delivers at least once). */
export async function indexReady(sql: Sql, centreId: string, r: RecordingReady): Promise<IndexOutcome> {
  return sql.begin(async (tx) => {
    const existing = await lockRow(tx, r.sipCallId);
    if (existing?.status === 'ready' && existing.path !== r.outPath) return { kind: 'conflict', row: existing } as const;
    const [call] = await tx<{ answered_at: Date | null }[]>`SELECT answered_at FROM calls WHERE sip_call_id = ${r.sipCallId}`;
    const gaps = missingAudio(r.channels, call?.answered_at ? call.answered_at.getTime() - r.startedAt.getTime() : null);
    const row = await upsert(tx, centreId, existing, r.sipCallId, {
      status: 'ready', path: r.outPath, started_at: r.startedAt, duration_ms: Math.round(r.durationMs),
      size_bytes: r.sizeBytes, sm3: r.sm3, channels: tx.json(channelsJson(r.channels, r) as never),
      flags: gaps.length > 0 ? ['gap'] : [], gaps: gaps.length > 0 ? tx.json(gaps as never) : null,
    });
    return { kind: 'indexed', row, previous: existing?.status ?? null, gaps } as const;
  });
}

/** Marks a Call-ID's recording failed (unless a good one is already indexed); returns the row. */
export async function indexFailed(sql: Sql, centreId: string, sipCallId: string): Promise<RecordingRow> {
  return sql.begin(async (tx) => {
    const existing = await lockRow(tx, sipCallId);
    if (existing?.status === 'ready') return existing;
    return upsert(tx, centreId, existing, sipCallId, { status: 'failed' });
  });
}

/**
 * Inside the caller's transaction: marks the call's recording missing if the index has nothing for
 * it. Returns the new row, or null if a row exists already or the call is unknown.
 */
export async function markMissingIn(tx: TransactionSql, callId: string): Promise<RecordingRow | null> {
  const [call] = await tx<CallRef[]>`SELECT id, centre_id, sip_call_id FROM calls WHERE id = ${callId}`;
  if (!call) return null;
  const existing = await lockRow(tx, call.sip_call_id);
  if (existing) return null;
  return upsert(tx, call.centre_id, undefined, call.sip_call_id, { status: 'missing' });
}

export async function recordingById(sql: Sql, id: string, centres: CentreScope = null): Promise<RecordingRow | undefined> {
  const [row] = await sql<RecordingRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM recordings WHERE id = ${id} ${inScope(sql, 'centre_id', centres)}`;
  return row;
}

/**
 * The recording of a call, by call id or by the call's SIP Call-ID (a recording indexed before its call row): the
 * one under the call's own Call-ID first (a transfer leg's recording carries the call id too, callBySipId).
 */
export async function recordingOfCall(sql: Sql, callId: string, centres: CentreScope = null): Promise<RecordingRow | undefined> {
  const [row] = await sql<RecordingRow[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM recordings
     WHERE (call_id = ${callId} OR sip_call_id = (SELECT sip_call_id FROM calls WHERE id = ${callId})) ${inScope(sql, 'centre_id', centres)}
     ORDER BY (sip_call_id = (SELECT sip_call_id FROM calls WHERE id = ${callId})) DESC, (status = 'ready') DESC, created_at DESC LIMIT 1`;
  return row;
}

/** Throws CTI_RECORDING_NOT_FOUND unless the recording exists in one of the reader's centres (another centre's is not disclosed). */
export async function assertRecordingInScope(sql: Sql, id: string, centres: CentreScope): Promise<void> {
  if (centres === null) return;
  const [row] = await sql`SELECT 1 FROM recordings WHERE id = ${id} ${inScope(sql, 'centre_id', centres)}`;
  if (!row) throw new CtiError('CTI_RECORDING_NOT_FOUND', { recording_id: id });
}
