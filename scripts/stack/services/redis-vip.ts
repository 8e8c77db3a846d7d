/**
 * The Redis floating address of a pair's replicated data tier (docs/ha.md, "rtpengine follows a Redis promotion").
 * rtpengine 10.5 takes one Redis address (`redis = IP:PORT/DB`) and does not speak Sentinel; pointed at the first
 * master's own address it kept writing to a dead master (or a read-only replica) after a promotion, and the backup's
 * keyspace subscription stayed on it: new calls were no longer replicated. So rtpengine is given an address that
 * follows the master: each Sentinel runs redis-vip.sh as its `client-reconfig-script`, which adds the address on the
 * new master's host and removes it elsewhere; both Redis servers listen on it (bound before it arrives:
 * `net.ipv4.ip_nonlocal_bind`). rtpengine reconnects by itself (a failed PING makes it connect again; its keyspace
 * subscription is made again once a second after the connection dropped).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../migrate.ts';
import type { PairNetwork } from '../netns.ts';

/** Host octet of the Redis floating address in the pair's /24 (netns.ts: .10 data, .11 A, .12 B, .20 carrier, .100 SIP, .102 media). */
export const REDIS_VIP_OCTET = 101;

export function redisVipOf(net: PairNetwork): string {
  return `${net.addr.data.split('.').slice(0, 3).join('.')}.${REDIS_VIP_OCTET}`;
}

/** Writes the Sentinel's client-reconfig-script for one host (Sentinel passes only its own seven arguments). */
export function writeReconfigScript(stateDir: string, net: PairNetwork, self: string): string {
  const path = join(stateDir, 'redis-vip-reconfig.sh');
  const log = join(stateDir, 'logs', 'redis-vip.log');
  writeFileSync(path, `#!/bin/sh\nexec ${REPO_ROOT}/scripts/stack/services/redis-vip.sh ${redisVipOf(net)}/${net.prefixLength} ${net.dev} ${self} "$@" >> ${log} 2>&1\n`, { mode: 0o755 });
  return path;
}

/** Puts the address on `ns` (the first master's host at start) or takes it off (a Redis that comes back as replica). */
export function placeRedisVip(net: PairNetwork, ns: string, present: boolean): void {
  const args = ['-n', ns, 'addr', present ? 'replace' : 'del', `${redisVipOf(net)}/${net.prefixLength}`, 'dev', net.dev];
  try {
    execFileSync('ip', args, { stdio: 'pipe' });
  } catch (e) {
    if (present) throw e; // removing an address that is not there is fine
  }
}

/** Which namespace of `nss` holds the address now (its interface up). */
export function redisVipHolder<K extends string>(net: PairNetwork, nss: Readonly<Record<K, string>>): K | undefined {
  const vip = ` ${redisVipOf(net)}/`;
  return (Object.keys(nss) as K[]).find((k) => {
    try {
      return execFileSync('ip', ['-n', nss[k], '-4', '-o', 'addr', 'show', 'up'], { encoding: 'utf8' }).includes(vip);
    } catch {
      return false;
    }
  });
}
