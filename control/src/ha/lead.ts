/**
 * Taking the lead on a node of a pair (docs/ha.md "Failovers, audited", "Rejoining"). Before it leads, a control
 * plane compares the takeover counts of its Redis and its database and refuses the lead while either is behind
 * (alarm `ha_stale_data`); when it leads, it records the takeover (ha_failovers, audit log) and follows it until
 * the floating address arrived and a first call was answered, then publishes `ha.failover.v1` with the timings.
 */
import { readFileSync } from 'node:fs';
import type { AppDeps } from '../app/deps.ts';
import type { LeaderLease } from '../app/leader.ts';
import { clearAlarm, raiseAlarm } from '../alarms/service.ts';
import { recordAudit } from '../audit/record.ts';
import { staleData, takeoverKind } from './epoch.ts';
import { ticker } from './ticker.ts';
import { databaseEpoch, firstAnsweredSince, insertFailover, setFailoverTimes, type FailoverRow } from './failovers/store.ts';

export const STALE_DATA_ALARM = 'ha_stale_data';
export const EPOCH_KEY = 'cti:ha:epoch';
/** Hash: the node that leads now (node, instance, since). */
export const LEADER_NODE_KEY = 'cti:ha:leader-node';
/** Hash: a switchover asked for (to, by, at), read by the node it hands the lead to (ha/switchover.ts). */
export const SWITCHOVER_KEY = 'cti:ha:switchover';

const STALE_RETRY_MS = 5000;
const DB_TIMEOUT_MS = 1000;
const RECORD_RETRY_MS = 2000;
const RECORD_RETRY_FOR_MS = 600_000;
const FOLLOW_MS = 120_000;
const FOLLOW_EVERY_MS = 200;

export interface HaNode {
  readonly node: string;
  /** keepalived's notify writes "<ms since epoch> <MASTER|BACKUP|FAULT>" here (scripts/stack/services/vrrp-notify.sh). */
  readonly vrrpStateFile?: string;
}

/** keepalived's last state on this node and since when (undefined without a state file). */
export function vrrpState(file: string | undefined): { state: string; since: Date } | undefined {
  if (!file) return undefined;
  try {
    const [ms, state] = readFileSync(file, 'utf8').trim().split(' ');
    return state ? { state, since: new Date(Number(ms)) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits for the lease, and holds it only with data that is not behind. Resolves as soon as this process may lead:
 * the only PostgreSQL step before that is the bounded takeover-count check (1 s). The takeover's row, its audit entry
 * and the stale-data alarm's clearing are written after, in the background (`recorded`), retried until PostgreSQL
 * takes them: the lease is renewed only once this process leads, so a PostgreSQL that hangs must not hold the lead
 * up (a lease of 1.5 s ran out while they waited on a dead primary, and the lead was given up). `recorded` resolves
 * with the row, or undefined when the takeover count could not be read (the lead is kept, the call path runs on Redis).
 */
export async function takeLead(deps: AppDeps, lease: LeaderLease, me: HaNode, mayTake?: () => Promise<boolean>): Promise<{ recorded: Promise<FailoverRow | undefined> }> {
  for (;;) {
    await lease.acquire(mayTake);
    const takenAt = new Date();
    const redisEpoch = Number((await deps.redis.get(EPOCH_KEY)) ?? 0);
    let dbEpoch: number | undefined;
    try {
      // bounded: the lease is not renewed before this process leads, and PostgreSQL may be the part that is away
      dbEpoch = await Promise.race([databaseEpoch(deps.sql), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 1 s')), DB_TIMEOUT_MS).unref())]);
    } catch (err) {
      deps.log.warn({ err: String(err) }, 'takeover: the database cannot be asked for the takeover count; leading on Redis alone');
    }
    const stale = dbEpoch === undefined ? undefined : staleData(redisEpoch, dbEpoch);
    if (stale) {
      deps.log.error({ ...stale, node: me.node }, 'this node sees an old Redis or database: it does not lead (docs/ha.md "Rejoining")');
      await lease.release();
      await raiseAlarm(deps, { type: STALE_DATA_ALARM, level: 'critical', subject: me.node, details: stale }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, STALE_RETRY_MS));
      lease.reopen();
      continue;
    }
    const previous = await deps.redis.hgetall(LEADER_NODE_KEY);
    const switchover = await deps.redis.hgetall(SWITCHOVER_KEY);
    await deps.redis.hset(LEADER_NODE_KEY, { node: me.node, instance: lease.id, since: takenAt.toISOString() });
    if (dbEpoch === undefined) return { recorded: Promise.resolve(undefined) };
    const epoch = Math.max(redisEpoch, dbEpoch) + 1;
    return { recorded: untilWritten(deps, 'takeover record', () => recordTakeover(deps, me, { previous, switchover, epoch, takenAt, holderRenewedAt: lease.holderRenewedAt })) };
  }
}

/** The takeover's row, its epoch in Redis and its audit entry; the stale-data alarm of this node cleared. */
async function recordTakeover(deps: AppDeps, me: HaNode, t: {
  previous: Record<string, string>; switchover: Record<string, string>; epoch: number; takenAt: Date; holderRenewedAt: number | undefined;
}): Promise<FailoverRow> {
  await clearAlarm(deps, STALE_DATA_ALARM, me.node);
  const kind = takeoverKind(t.previous.node, t.switchover.to, me.node);
  const by = kind === 'switchover' ? (t.switchover.by ?? 'system') : 'system';
  const row = await insertFailover(deps.sql, {
    epoch: t.epoch, kind, from_node: t.previous.node && t.previous.node !== me.node ? t.previous.node : null,
    to_node: me.node, by,
    reason: kind === 'switchover' ? 'switchover asked for' : kind === 'failover' ? 'the leader lease ran out' : 'first leader',
    last_seen_at: t.holderRenewedAt ? new Date(t.holderRenewedAt) : null, lease_taken_at: t.takenAt,
  });
  await deps.redis.set(EPOCH_KEY, String(row.epoch));
  if (kind === 'switchover') await deps.redis.del(SWITCHOVER_KEY);
  await recordAudit(deps.sql, {
    actor: { id: null, username: by }, ip: null, action: `ha.${kind === 'start' ? 'lead_taken' : kind}`, target_type: 'ha_node', target_id: me.node,
    before: { leader: row.from_node }, after: { leader: me.node, epoch: row.epoch },
  });
  deps.log.info({ kind, from: row.from_node, epoch: row.epoch }, 'takeover recorded');
  return row;
}

/**
 * Runs `step` until it resolves, every 2 s, for at most 10 minutes (PostgreSQL failing over takes seconds); resolves
 * undefined if it never did (logged as an error: the takeover is then only in the logs and in Redis).
 * The row is written once: a retry follows only a step that failed, never one still waiting.
 */
async function untilWritten<T>(deps: Pick<AppDeps, 'log'>, what: string, step: () => Promise<T>): Promise<T | undefined> {
  const deadline = Date.now() + RECORD_RETRY_FOR_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (Date.now() > deadline) {
        deps.log.error({ err: String(err), attempt }, `${what} not written: given up`);
        return undefined;
      }
      if (attempt === 1) deps.log.warn({ err: String(err) }, `${what} not written yet: retried until PostgreSQL takes it`);
      await new Promise((r) => setTimeout(r, RECORD_RETRY_MS).unref());
    }
  }
}

const ms = (a: Date | null | undefined, b: Date | null | undefined) => (a && b ? a.getTime() - b.getTime() : null);

/**
 * Follows a takeover until the floating address is here and a call was answered (at most 2 minutes), writes
 * those times and publishes `ha.failover.v1`. The timer lives and dies with the follow-up.
 */
export function followTakeover(deps: AppDeps, row: FailoverRow, me: HaNode): { stop(): void } {
  const started = Date.now();
  let vipAt: Date | undefined;
  let answeredAt: Date | undefined;
  return ticker(FOLLOW_EVERY_MS, async () => {
    const v = vrrpState(me.vrrpStateFile);
    if (!vipAt && v?.state === 'MASTER') vipAt = v.since;
    answeredAt ??= await firstAnsweredSince(deps.sql, row.lease_taken_at);
    const done = (vipAt || !me.vrrpStateFile) && answeredAt;
    if (!done && Date.now() - started < FOLLOW_MS) return false;
    await setFailoverTimes(deps.sql, row.id, { ...(vipAt ? { vip_moved_at: vipAt } : {}), ...(answeredAt ? { first_answered_at: answeredAt } : {}) });
    const since = row.last_seen_at ?? row.lease_taken_at;
    await deps.bus.publish('ha.failover.v1', {
      failover_id: row.id, epoch: row.epoch, kind: row.kind, from_node: row.from_node, to_node: row.to_node, by: row.by, reason: row.reason,
      last_seen_at: row.last_seen_at?.toISOString() ?? null, lease_taken_at: row.lease_taken_at.toISOString(),
      vip_moved_at: vipAt?.toISOString() ?? null, first_answered_at: answeredAt?.toISOString() ?? null,
      lease_ms: ms(row.lease_taken_at, row.last_seen_at), vip_ms: ms(vipAt, since), answered_ms: ms(answeredAt, since),
    });
    return true;
  }, (err) => deps.log.error({ err: String(err) }, 'takeover follow-up failed'));
}
