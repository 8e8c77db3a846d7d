/**
 * The A-B link's answer to "do you lead?" (docs/ha.md "The leader across a Redis outage"): GET /v1/ha/role on the
 * peer's API, answered from memory (no data tier: it must answer while Redis is away). Short timeout: a node that
 * died or is cut off must not slow its standby's takeover, and a paused leader must learn quickly that its peer is
 * out of reach (then the peer may take the address: the paused leader gives up).
 */
import type { PeerRole } from './machine.ts';

export const PEER_TIMEOUT_MS = 300;

export async function peerRole(peerUrl: string | undefined, timeoutMs = PEER_TIMEOUT_MS): Promise<PeerRole> {
  if (!peerUrl) return 'unreachable';
  try {
    const r = await fetch(`${peerUrl}/v1/ha/role`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!r.ok) return 'unreachable';
    const role = ((await r.json()) as { role?: unknown }).role;
    return role === 'standby' || role === 'leading' || role === 'paused' ? role : 'unreachable';
  } catch (err) {
    // refused: the peer's host answered over the link, its control plane is not running (restarting as standby):
    // it neither leads nor pauses
    return (err as { cause?: { code?: string } })?.cause?.code === 'ECONNREFUSED' ? 'standby' : 'unreachable';
  }
}
