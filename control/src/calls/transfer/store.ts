/**
 * The SQL of transfers (call_transfers) and of a transfer's new leg (call_legs), and the live marks in Redis:
 *   cti:xfer:token:<token>   -> transfer id   (the one-time token of the Refer-To URI; TTL = the transfer's deadline)
 *   cti:xfer:leg:<Call-ID>   -> transfer id   (the gateway's new INVITE, once it arrived)
 *   cti:xfer:call:<Call-ID>  -> transfer id   (the old dialog's Call-ID while its transfer is in flight)
 */
import type { Redis } from 'ioredis';
import type { AppDeps } from '../../app/deps.ts';
import type { Queryable } from '../../audit/record.ts';
import { CtiError } from '../../errors/catalogue.ts';
import type { DialTarget } from '../../linkage/resolve.ts';
import { assertTransferTransition, type TransferFailReason, type TransferState } from './machine.ts';

export interface Transfer {
  id: string;
  call_id: string;
  mode: 'blind';
  state: TransferState;
  destination_id: string | null;
  target_kind: DialTarget['kind'];
  target: DialTarget;
  from_seat_id: string | null;
  requested_by: string;
  new_sip_call_id: string | null;
  refer_status: number | null;
  final_status: number | null;
  fail_reason: TransferFailReason | null;
  requested_at: Date;
  referred_at: Date | null;
  ringing_at: Date | null;
  ended_at: Date | null;
}

export const tokenKey = (token: string): string => `cti:xfer:token:${token}`;
export const legKey = (sipCallId: string): string => `cti:xfer:leg:${sipCallId}`;
export const oldDialogKey = (sipCallId: string): string => `cti:xfer:call:${sipCallId}`;
/** Marks outlive any transfer (its deadline is seconds) and die with the day's calls. */
export const MARK_TTL_S = 6 * 3600;

export async function insertTransfer(sql: Queryable, t: Omit<Transfer, 'new_sip_call_id' | 'refer_status' | 'final_status' | 'fail_reason' | 'referred_at' | 'ringing_at' | 'ended_at'>): Promise<void> {
  try {
    await sql`INSERT INTO call_transfers (id, call_id, mode, state, destination_id, target_kind, target, from_seat_id, requested_by, requested_at)
      VALUES (${t.id}, ${t.call_id}, ${t.mode}, ${t.state}, ${t.destination_id}, ${t.target_kind}, ${sql.json(t.target as never)}, ${t.from_seat_id},
              ${t.requested_by}, ${t.requested_at})`;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new CtiError('CTI_TRANSFER_IN_PROGRESS', { call_id: t.call_id });
    throw err;
  }
}

export async function getTransfer(sql: Queryable, id: string): Promise<Transfer | undefined> {
  const [row] = await sql<Transfer[]>`SELECT id::text AS id, call_id::text AS call_id, mode, state, destination_id, target_kind, target, from_seat_id,
      requested_by, new_sip_call_id, refer_status, final_status, fail_reason, requested_at, referred_at, ringing_at, ended_at
    FROM call_transfers WHERE id = ${id}`;
  return row;
}

export async function transfersOfCall(sql: Queryable, callId: string): Promise<Transfer[]> {
  return sql<Transfer[]>`SELECT id::text AS id, call_id::text AS call_id, mode, state, destination_id, target_kind, target, from_seat_id,
      requested_by, new_sip_call_id, refer_status, final_status, fail_reason, requested_at, referred_at, ringing_at, ended_at
    FROM call_transfers WHERE call_id = ${callId} ORDER BY requested_at`;
}

/** The one way a transfer changes state: checked against the table, then written with the columns that change with it. */
export async function moveTransfer(sql: Queryable, t: Transfer, to: TransferState, columns: Partial<Record<'refer_status' | 'final_status' | 'fail_reason' | 'new_sip_call_id', unknown>> = {}, at = new Date()): Promise<Transfer> {
  if (t.state === to) return t;
  assertTransferTransition(t.id, t.state, to);
  const stamp = to === 'referred' ? { referred_at: at } : to === 'ringing' ? { ringing_at: at } : to === 'succeeded' || to === 'failed' ? { ended_at: at } : {};
  const cols: Record<string, unknown> = { ...columns, ...stamp, state: to };
  // only from the state we read: a NOTIFY and our own timer racing each other move it once
  const rows = await sql`UPDATE call_transfers SET ${sql(cols as never)} WHERE id = ${t.id} AND state = ${t.state} RETURNING id`;
  if (rows.length === 0) {
    const now = await getTransfer(sql, t.id);
    if (!now) throw new CtiError('CTI_TRANSFER_NOT_FOUND', { transfer_id: t.id });
    return now.state === to ? now : moveTransfer(sql, now, to, columns, at);
  }
  return { ...t, ...(cols as Partial<Transfer>), state: to } as Transfer;
}

export async function setNewLeg(sql: Queryable, transferId: string, sipCallId: string): Promise<void> {
  await sql`UPDATE call_transfers SET new_sip_call_id = ${sipCallId} WHERE id = ${transferId}`;
}

/** The new leg of the SAME call record: the gateway's INVITE towards the transfer target. */
export async function insertTransferLeg(sql: Queryable, callId: string, transferId: string, sipCallId: string, party: string | null, fromTag: string, at: Date): Promise<void> {
  await sql`INSERT INTO call_legs (call_id, kind, party, from_tag, started_at, sip_call_id, transfer_id)
    VALUES (${callId}, 'caller', ${party}, ${fromTag}, ${at}, ${sipCallId}, ${transferId})`;
}

/** The leg of an outside target (another centre, 110/119/122) that answered the transfer's new INVITE. */
export async function insertTargetLeg(sql: Queryable, callId: string, transferId: string, sipCallId: string, party: string, toTag: string | null, at: Date): Promise<void> {
  await sql`INSERT INTO call_legs (call_id, kind, party, to_tag, started_at, sip_call_id, transfer_id)
    VALUES (${callId}, 'external', ${party}, ${toTag}, ${at}, ${sipCallId}, ${transferId})`;
}

/** The old dialog's legs end (caller's first leg and the dispatcher's seat leg), the new ones stay. */
export async function endOldLegs(sql: Queryable, callId: string, at: Date): Promise<void> {
  await sql`UPDATE call_legs SET ended_at = ${at} WHERE call_id = ${callId} AND ended_at IS NULL AND transfer_id IS NULL
    AND started_at <= (SELECT requested_at FROM call_transfers WHERE call_id = ${callId} ORDER BY requested_at DESC LIMIT 1)`;
}

export async function incidentOf(sql: Queryable, callId: string): Promise<string | null> {
  const [row] = await sql<{ incident_id: string | null }[]>`SELECT incident_id FROM calls WHERE id = ${callId}`;
  return row?.incident_id ?? null;
}

export async function markTransfer(redis: Redis, key: string, transferId: string, ttlS = MARK_TTL_S): Promise<void> {
  await redis.set(key, transferId, 'EX', ttlS);
}

export async function transferIdAt(redis: Redis, key: string): Promise<string | undefined> {
  return (await redis.get(key)) ?? undefined;
}

/** The token is one-time: the first INVITE carrying it takes it (GETDEL), a second one finds nothing. */
export async function takeToken(redis: Redis, token: string): Promise<string | undefined> {
  return (await redis.getdel(tokenKey(token))) ?? undefined;
}

export type TransferDeps = AppDeps;
