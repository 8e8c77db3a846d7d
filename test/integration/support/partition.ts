/**
 * Network partitions inside a pair (scripts/stack/netns.ts), for the split-brain tests (docs/ha.md, "Split brain"):
 * a link between two members is cut by a blackhole route on each side (nothing either sends reaches the other,
 * in either direction; every other member still reaches both), and healed by removing the routes.
 */
import { execFileSync } from 'node:child_process';
import { NODES, type NodeName, type Pair } from '../../../scripts/stack/pair.ts';

type Member = 'a' | 'b' | 'data' | 'car';

function route(pair: Pair, op: 'add' | 'del', from: Member, to: Member): void {
  execFileSync('ip', ['-n', pair.net.ns[from], 'route', op, 'blackhole', `${pair.net.addr[to]}/32`]);
}

export function cutLink(pair: Pair, x: Member, y: Member): void {
  route(pair, 'add', x, y);
  route(pair, 'add', y, x);
}

export function healLink(pair: Pair, x: Member, y: Member): void {
  route(pair, 'del', x, y);
  route(pair, 'del', y, x);
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
