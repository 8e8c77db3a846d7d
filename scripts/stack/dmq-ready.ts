/**
 * A pair serves only once each node's Kamailio holds its peer "active" in DMQ (docs/ha.md "Replication between the
 * nodes"): when both start close together, A's notification to B can time out (408) after B has already announced
 * itself, which leaves B "not_active" on A until the next ping answers (up to `ping_interval`, 5 s); meanwhile A
 * replicates no registration and no dialog to B, and a failover would lose them.
 */
import { KamailioRpc } from '../../control/src/engine/kamailio/jsonrpc.ts';
import { peerStatus } from '../../control/src/ha/nodes/replication.ts';

export async function waitForDmqPeers(rpcUrls: Record<string, string>, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  let first: string | undefined;
  const views: Record<string, string> = {};
  for (;;) {
    for (const [node, url] of Object.entries(rpcUrls)) {
      views[node] = await new KamailioRpc({ url, timeoutMs: 1000 }).dmqNodes().then(peerStatus, (e: unknown) => `no answer (${String(e)})`);
    }
    first ??= JSON.stringify(views);
    if (Object.values(views).every((v) => v === 'active')) {
      // evidence for docs/ha.md: how often a pair starts with a peer not active, and for how long
      if (Date.now() - t0 > 1000) process.stderr.write(`pair: DMQ peers active after ${Date.now() - t0} ms (first seen: ${first})\n`);
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`DMQ: the nodes do not replicate to each other after ${timeoutMs} ms (peer status seen by each: ${JSON.stringify(views)})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
