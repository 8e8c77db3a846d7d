/**
 * Whether this node's Kamailio replicates to its peer (docs/ha.md "Replication between the nodes"). DMQ sends a
 * registration or dialog change only to nodes it holds "active"; one unanswered ping or notification (a lost
 * datagram, a peer starting at the same moment) marks the peer not active ("pending" in 5.6) until a ping answers
 * (`ping_interval`, 5 s), and what changes meanwhile never reaches the peer: a failover in that window loses those
 * registrations and conversations. So every node asks its own Kamailio (dmq.list_nodes) every 2 s; the view goes in
 * its node status, and the `pair_replication_down` alarm (critical, subject: this node) is raised when the peer has
 * not been active for 8 s (longer than a ping's round and its timeout) and cleared when it is again.
 */
import type { AppDeps } from '../../app/deps.ts';
import { clearAlarm, raiseAlarm } from '../../alarms/service.ts';
import type { DmqNode } from '../../engine/kamailio/jsonrpc.ts';
import { ticker } from '../ticker.ts';

export const REPLICATION_ALARM = 'pair_replication_down';
const EVERY_MS = 2000;
const ALARM_AFTER_MS = 8000;

/** "active", "pending" (or another DMQ status: not active), or "unknown" when Kamailio does not list the peer. */
export type ReplicationView = string;

/** The peer's status in this Kamailio's DMQ node list: the node that is not local (a pair has one). */
export function peerStatus(nodes: readonly DmqNode[]): ReplicationView {
  const peer = nodes.find((n) => !n.local);
  return peer ? peer.status : 'unknown';
}

export interface ReplicationWatch {
  /** The last view (null before the first answer or while Kamailio does not answer). */
  view(): ReplicationView | null;
  stop(): void;
}

export function watchReplication(deps: Pick<AppDeps, 'sql' | 'bus' | 'log'>, node: string,
  listNodes: () => Promise<DmqNode[]>, opts: { everyMs?: number; alarmAfterMs?: number } = {}): ReplicationWatch {
  const alarmAfterMs = opts.alarmAfterMs ?? ALARM_AFTER_MS;
  let view: ReplicationView | null = null;
  let downSince: number | undefined;
  let alarmed = false;
  const t = ticker(opts.everyMs ?? EVERY_MS, async () => {
    try {
      view = peerStatus(await listNodes());
    } catch {
      view = null; // our own Kamailio not answering is the engine's health check's business, not this alarm's
      return;
    }
    const now = Date.now();
    if (view !== 'active') {
      downSince ??= now;
      if (!alarmed && now - downSince >= alarmAfterMs) {
        deps.log.error({ node, peer_status: view, since: new Date(downSince).toISOString() }, 'Kamailio does not replicate to its peer (DMQ)');
        await raiseAlarm(deps, { type: REPLICATION_ALARM, level: 'critical', subject: node,
          details: { peer_status: view, since: new Date(downSince).toISOString() } });
        alarmed = true;
      }
      return;
    }
    if (alarmed) {
      await clearAlarm(deps, REPLICATION_ALARM, node);
      deps.log.info({ node, down_ms: now - downSince! }, 'Kamailio replicates to its peer again (DMQ)');
    }
    alarmed = false;
    downSince = undefined;
  }, (err) => deps.log.warn({ err: String(err) }, 'replication watch step failed'));
  return { view: () => view, stop: () => t.stop() };
}
