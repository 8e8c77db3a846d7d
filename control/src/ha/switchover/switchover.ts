/**
 * A switchover for maintenance (docs/ha.md "Switching over by hand"): the leading node hands the lead and the
 * floating address to the standby without losing a call. It waits until no caller waits on this node any more
 * (queued or ringing a seat: their INVITE transactions live in this node's Kamailio and cannot move), at most
 * `drain_timeout_s`; conversations go on (this node's Kamailio and rtpengine keep running and carry them to
 * their end). Then it marks the switchover for the peer (who labels its takeover with the person) and hands
 * over: the lease file says "not held" (keepalived gives up the address at once), the lease is released, the
 * control plane ends and comes back as standby. Refused with a coded error, and nothing changed, when this node
 * does not lead, the peer is not a reporting standby, another switchover runs, or callers still wait.
 */
import type { AppDeps } from '../../app/deps.ts';
import { recordAudit, type Change } from '../../audit/record.ts';
import { allLiveCalls } from '../../calls/store.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { readNodeStatuses } from '../nodes/status.ts';
import { SWITCHOVER_KEY } from '../lead.ts';

const LOCK_KEY = `${SWITCHOVER_KEY}:lock`;
const WAITING = new Set(['offered', 'queued', 'offering']);
const POLL_MS = 200;

export interface SwitchoverNode {
  readonly node: string;
  readonly peer: string;
  active(): boolean;
  /** Gives up the lead (lease file, lease, process): called after the reply is sent. */
  handOver(): void;
}

export interface SwitchoverResult {
  from: string;
  to: string;
  /** How long the drain waited for the last caller on this node to be answered or gone. */
  drained_ms: number;
}

async function waitingCallers(deps: AppDeps, node: string): Promise<number> {
  return (await allLiveCalls(deps.redis)).filter((c) => WAITING.has(c.state) && (c.node === undefined || c.node === node)).length;
}

export async function switchover(deps: AppDeps, change: Change, me: SwitchoverNode | undefined, drainTimeoutS: number): Promise<SwitchoverResult> {
  if (!me) throw new CtiError('CTI_HA_NOT_A_PAIR');
  if (!me.active()) throw new CtiError('CTI_HA_NOT_LEADER', { leader: (await deps.redis.hget('cti:ha:leader-node', 'node')) ?? null });
  const peer = (await readNodeStatuses(deps, [me.peer]))[0]!;
  if (peer.role !== 'standby') throw new CtiError('CTI_HA_NO_STANDBY', { peer });
  const ttl = (drainTimeoutS + 30) * 1000;
  const marked = await deps.redis.set(LOCK_KEY, me.peer, 'PX', ttl, 'NX');
  if (marked !== 'OK') throw new CtiError('CTI_HA_SWITCHOVER_RUNNING');
  const started = Date.now();
  try {
    let waiting = await waitingCallers(deps, me.node);
    while (waiting > 0 && Date.now() - started < drainTimeoutS * 1000) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      waiting = await waitingCallers(deps, me.node);
    }
    if (waiting > 0) throw new CtiError('CTI_HA_SWITCHOVER_BUSY', { waiting, drain_timeout_s: drainTimeoutS });
  } catch (e) {
    await deps.redis.del(LOCK_KEY);
    throw e;
  }
  const result = { from: me.node, to: me.peer, drained_ms: Date.now() - started };
  // for the peer's takeover (ha/lead.ts reads to and by)
  await deps.redis.multi().hset(SWITCHOVER_KEY, { to: me.peer, by: change.actor.username, at: new Date().toISOString() })
    .pexpire(SWITCHOVER_KEY, ttl).del(LOCK_KEY).exec();
  await recordAudit(deps.sql, {
    actor: change.actor, ip: change.ip, action: 'ha.switchover_requested', target_type: 'ha_node', target_id: me.peer,
    before: { leader: me.node }, after: { leader: me.peer, drained_ms: result.drained_ms },
  });
  deps.log.warn({ ...result, by: change.actor.username }, 'switchover: handing the lead to the peer');
  setImmediate(() => me.handOver());
  return result;
}
