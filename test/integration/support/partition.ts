/**
 * Network partitions inside a pair (scripts/stack/netns.ts), for the split-brain tests (docs/ha.md, "Split brain"):
 * a link between two members is cut as a cable cut or a dead switch port is, silently: each side's neighbour entry
 * for the other is pinned to a MAC address nobody has, so what either sends leaves without an error and is never
 * answered (requests time out; a blackhole *route* instead makes sendto() fail at once with EINVAL, which DMQ, for
 * one, takes for something other than a dead peer, and a policy rule comes after the local table's). Every other
 * member still reaches both. Healed by deleting the pinned entries (the next packet resolves the address again).
 */
import { execFileSync } from 'node:child_process';
import { NODES, type NodeName, type Pair } from '../../../scripts/stack/pair.ts';

type Member = 'a' | 'b' | 'data' | 'car';

/** A locally administered unicast MAC that no interface of the pair has: frames to it go nowhere. */
const NOBODY_MAC = '02:00:5e:00:de:ad';

/** In `at`'s namespace, sends what is meant for `peer` to nobody (or resolves `peer` again). */
function sendToNobody(pair: Pair, cut: boolean, at: Member, peer: Member): void {
  const args = ['-n', pair.net.ns[at], 'neigh', cut ? 'replace' : 'del', pair.net.addr[peer]];
  execFileSync('ip', cut ? [...args, 'lladdr', NOBODY_MAC, 'dev', pair.net.dev, 'nud', 'permanent'] : [...args, 'dev', pair.net.dev]);
}

export function cutLink(pair: Pair, x: Member, y: Member): void {
  sendToNobody(pair, true, x, y);
  sendToNobody(pair, true, y, x);
}

export function healLink(pair: Pair, x: Member, y: Member): void {
  sendToNobody(pair, false, x, y);
  sendToNobody(pair, false, y, x);
}

/** Every node whose up interfaces carry the floating address now (two would be a split brain). */
export function vipHolders(pair: Pair): NodeName[] {
  return NODES.filter((n) => {
    const out = execFileSync('ip', ['-n', pair.net.ns[n], '-4', '-o', 'addr', 'show', 'up'], { encoding: 'utf8' });
    return out.includes(` ${pair.config.vip}/`);
  });
}

/** Samples the floating address's holders every 50 ms until stopped; returns every distinct sample seen. */
export function watchVip(pair: Pair): { stop(): Promise<string[]> } {
  const seen = new Set<string>();
  let on = true;
  const loop = (async () => {
    while (on) {
      seen.add(vipHolders(pair).join('+') || 'none');
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return [...seen];
    },
  };
}
