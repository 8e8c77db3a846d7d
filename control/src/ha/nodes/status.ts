/**
 * What each node of a pair reports about itself for the supervisors' panel (docs/ha.md "Failovers, audited"):
 * every second each control plane, leading or standby, writes its role, keepalived's state (does it hold the
 * floating address) and whether it reaches its peer's API (the A-B link) to Redis, with a 5 s TTL: a node that
 * stops reporting is shown as unreachable.
 */
import type { AppDeps } from '../../app/deps.ts';
import { vrrpState, type HaNode } from '../lead.ts';
import { ticker } from '../ticker.ts';

const KEY = (node: string) => `cti:ha:node:${node}`;
const TTL_MS = 5000;
const EVERY_MS = 1000;
const PEER_TIMEOUT_MS = 800;

export interface NodeStatus {
  node: string;
  role: 'active' | 'standby';
  /** keepalived's state: MASTER holds the floating address. */
  vrrp: string | null;
  vrrp_since: string | null;
  /** Whether this node reached its peer's API within 800 ms at its last report (the A-B link). */
  peer_reachable: boolean | null;
  /** The peer's status in this node's Kamailio DMQ list ("active": registrations and dialogs replicate), null if unknown. */
  replication: string | null;
  reported_at: string;
}

async function peerReachable(url: string | undefined): Promise<boolean | null> {
  if (!url) return null;
  try {
    // any answer of the peer's API is a working link, whatever its health
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(PEER_TIMEOUT_MS) });
    return true;
  } catch {
    return false;
  }
}

export function reportNodeStatus(deps: Pick<AppDeps, 'redis' | 'log'>, me: HaNode, peerUrl: string | undefined, active: () => boolean,
  replication: () => string | null = () => null): { stop(): void } {
  return ticker(EVERY_MS, async () => {
    const v = vrrpState(me.vrrpStateFile);
    const s: NodeStatus = {
      node: me.node, role: active() ? 'active' : 'standby', vrrp: v?.state ?? null, vrrp_since: v?.since.toISOString() ?? null,
      peer_reachable: await peerReachable(peerUrl), replication: replication(), reported_at: new Date().toISOString(),
    };
    await deps.redis.set(KEY(me.node), JSON.stringify(s), 'PX', TTL_MS);
  }, (err) => deps.log.warn({ err: String(err) }, 'node status report failed'));
}

/** The reports of both nodes (a node missing has not reported for 5 s). */
export async function readNodeStatuses(deps: Pick<AppDeps, 'redis'>, nodes: readonly string[] = ['a', 'b']): Promise<Array<NodeStatus | { node: string; role: 'unreachable' }>> {
  const raw = await deps.redis.mget(...nodes.map(KEY));
  return nodes.map((node, i) => (raw[i] ? (JSON.parse(raw[i]!) as NodeStatus) : { node, role: 'unreachable' as const }));
}
