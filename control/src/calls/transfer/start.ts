/**
 * A dispatcher (or a supervisor of the centre) starts a blind transfer of a connected call (docs/transfers.md):
 * the destination is resolved through the linkage directory, checked, and only then is anything changed: the call
 * goes talking -> transferring, a call_transfers row, a one-time token (Redis, and Kamailio's htable `xf` over
 * JSON-RPC, so that Kamailio forwards only a REFER that carries it), call.transfer_started.v1, an audit row, and
 * the transfer's deadline. The answer gives the Refer-To URI the seat's softphone sends the REFER with.
 * Bad input (unknown or forbidden destination, a call that is not connected, not yours) changes nothing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { settle } from '../../app/settle.ts';
import type { PerKeySerializer } from '../../app/serial.ts';
import { recordAudit, type Change } from '../../audit/record.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { listDestinations } from '../../linkage/directory.ts';
import { resolveDial, type DialRequest, type DialTarget } from '../../linkage/resolve.ts';
import { wayOutOf } from '../../linkage/way-out.ts';
import { assertMayControl, talkingCall } from '../media/session.ts';
import { assertNotInThreeWay } from '../conference/in-three-way.ts';
import { getLiveCall, transitionCall } from '../store.ts';
import { armDeadline } from './deadlines.ts';
import { failTransfer } from './outcome.ts';
import { TRANSFER_USER_PREFIX } from './machine.ts';
import { getTransfer, insertTransfer, incidentOf, MARK_TTL_S, oldDialogKey, tokenKey, type Transfer, type TransferDeps } from './store.ts';

/** The part of engine/kamailio/jsonrpc.ts KamailioRpc a transfer needs. */
export interface TransferRpc {
  htableSetString(table: string, key: string, value: string): Promise<void>;
  htableDelete(table: string, key: string): Promise<boolean>;
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>;
}

/** The token lives in Kamailio as long as in Redis: one htable.setxs, the value with the item's own expiry (seconds). */
async function setEngineToken(rpc: TransferRpc, token: string, transferId: string, deadlineMs: number): Promise<void> {
  await rpc.call('htable.setxs', [TOKEN_TABLE, token, transferId, Math.max(1, Math.ceil(deadlineMs / 1000))]);
}

export interface TransferRequest {
  destination: DialRequest;
  mode: 'blind';
}

export interface StartedTransfer {
  transfer_id: string;
  call_id: string;
  state: Transfer['state'];
  target: DialTarget;
  refer_to: string;
  expires_at: string;
}

/** Kamailio's table of live transfer tokens (engine/kamailio/kamailio.cfg.tpl, route TRANSFER_REFER). */
export const TOKEN_TABLE = 'xf';
/** The default time the gateway has to send its new INVITE (and a seat target to answer it). */
export const DEFAULT_TRANSFER_DEADLINE_MS = 30_000;

/** CTI_TRANSFER_DEADLINE_MS, else the default. */
export function transferDeadlineMs(env: NodeJS.ProcessEnv): number {
  const v = Number(env.CTI_TRANSFER_DEADLINE_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_TRANSFER_DEADLINE_MS;
}

export interface TransferRuntime {
  deps: TransferDeps;
  rpc: TransferRpc;
  serial: PerKeySerializer;
  deadlineMs: number;
}

export async function startTransfer(rt: TransferRuntime, change: Change, callId: string, req: TransferRequest): Promise<StartedTransfer> {
  const { deps } = rt;
  // reads that do not depend on each other go together (the transfer's time to the target ringing: bench/transfer.ts)
  const [[row], entries, talking] = await Promise.all([
    deps.sql<{ state: string }[]>`SELECT state FROM calls WHERE id = ${callId}`,
    listDestinations(deps.sql, { centre_id: change.actor.centre_id }),
    settle(talkingCall(deps, callId)),
  ]);
  if (row?.state === 'transferring') throw new CtiError('CTI_TRANSFER_IN_PROGRESS', { call_id: callId });
  if (!talking.ok) throw talking.error;
  const call = talking.value;
  const [threeWay, mayControl, live, incidentId] = await Promise.all([
    settle(assertNotInThreeWay(deps.redis, call)), settle(assertMayControl(deps, change.actor, call)), getLiveCall(deps.redis, call.sipCallId), incidentOf(deps.sql, call.id),
  ]);
  if (!threeWay.ok) throw threeWay.error; // the refusals in the order they were checked one by one
  if (!mayControl.ok) throw mayControl.error;
  const target = resolveDial(entries, change.actor.roles, req.destination);
  // an outside target must have a way out now (CTI_TRANSFER_NO_WAY_OUT), before anything changes
  if (target.kind === 'centre' || target.kind === 'number') await wayOutOf(deps.sql, target);
  if (target.kind === 'seat' && target.seat_id === call.seatId) throw new CtiError('CTI_TRANSFER_TARGET_IS_CALLER_SEAT', { seat_id: call.seatId });
  if (!live || live.state !== 'talking') throw new CtiError('CTI_CALL_NOT_TALKING', { call_id: callId, state: live?.state ?? 'gone' });

  const id = randomUUID();
  const token = randomBytes(24).toString('base64url');
  const now = new Date();
  const expiresAt = new Date(now.getTime() + rt.deadlineMs);
  const transfer = {
    id, call_id: call.id, mode: 'blind' as const, state: 'requested' as const, destination_id: target.destination_id, target_kind: target.kind, target,
    from_seat_id: call.seatId, requested_by: change.actor.id, requested_at: now,
  };
  // the token in Kamailio and the row (its unique index refuses a second transfer in flight) together; if either
  // fails, the other is undone and nothing has changed (CTI_ENGINE_UNAVAILABLE, CTI_TRANSFER_IN_PROGRESS)
  const [engine, stored] = await Promise.allSettled([setEngineToken(rt.rpc, token, id, rt.deadlineMs), insertTransfer(deps.sql, transfer)]);
  if (engine.status === 'rejected' || stored.status === 'rejected') {
    if (engine.status === 'fulfilled') await rt.rpc.htableDelete(TOKEN_TABLE, token).catch(() => false);
    if (stored.status === 'fulfilled') await deps.sql`DELETE FROM call_transfers WHERE id = ${id}`;
    throw engine.status === 'rejected' ? engine.reason : (stored as PromiseRejectedResult).reason;
  }
  // the token in Redis is read only by the gateway's new INVITE, which follows the answer: written with the rest
  await Promise.all([
    deps.redis.multi().set(tokenKey(token), id, 'PX', rt.deadlineMs).set(oldDialogKey(call.sipCallId), id, 'EX', MARK_TTL_S).exec(),
    rt.serial.run(call.sipCallId, () => transitionCall(deps, live, 'transferring', {}, {
      type: 'call.transfer_started.v1',
      data: {
        call_id: call.id, transfer_id: id, incident_id: incidentId, mode: 'blind', target_kind: target.kind,
        destination_id: target.destination_id, target_name: target.name, from_seat_id: call.seatId, requested_by: change.actor.id,
      },
    }, now)),
    recordAudit(deps.sql, {
      actor: change.actor, ip: change.ip, action: 'call.transfer_started', target_type: 'call', target_id: call.id,
      before: { state: 'talking', seat_id: call.seatId }, after: { state: 'transferring', transfer_id: id, target },
    }),
  ]);
  armDeadline(id, rt.deadlineMs, () => void expireTransfer(rt, call.sipCallId, id));
  return {
    transfer_id: id, call_id: call.id, state: 'requested', target, refer_to: `sip:${TRANSFER_USER_PREFIX}${token}@${deps.config.sipDomain}`,
    expires_at: expiresAt.toISOString(),
  };
}

/** The deadline passed: a transfer whose gateway never sent its new INVITE fails; the caller is with the dispatcher. */
export function expireTransfer(rt: Pick<TransferRuntime, 'deps' | 'serial'>, oldSipCallId: string, transferId: string): Promise<void> {
  return rt.serial.run(oldSipCallId, async () => {
    const t = await getTransfer(rt.deps.sql, transferId);
    if (t && !t.new_sip_call_id) await failTransfer(rt.deps, t, 'token_expired', null);
  }).catch((err) => rt.deps.log.error({ err: String(err), transfer_id: transferId }, 'transfer deadline not handled'));
}
