import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/**
 * One active control plane per centre: the active one holds a lease in Redis and renews it; a standby
 * waits and takes over when the lease runs out (ARCHITECTURE.md "Scaling out").
 */
// An absent key is taken back: it ran out while Redis was away (a Sentinel promotion takes 1-2 s of a 3 s lease,
// docs/ha.md "The data tier of a pair") and no other process took it meanwhile, so nobody else leads.
const RENEW_LUA = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1
else return 0 end`;

export class LeaderLease {
  readonly id = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** A standby does not try before this (ms epoch): the leader's turn to take back its lease after Redis came back. */
  private holdUntil = 0;
  private renewNow: (() => void) | undefined;

  constructor(private readonly redis: Redis, private readonly log: Logger, private readonly key = 'cti:leader', private readonly ttlMs = 3000) {
    // Redis came back (a Sentinel promotion, a restart; docs/ha.md "The data tier of a pair"): the leader renews at
    // once, a standby waits two thirds of a lease, so a lease that ran out while Redis was away goes back to its leader
    // rather than to whichever process reconnected first (that would move the lead and lose the calls queued in
    // the leader's Kamailio).
    let connected = redis.status === 'ready';
    redis.on('ready', () => {
      // the first connection is the start, not Redis coming back
      if (!connected) {
        connected = true;
        return;
      }
      if (this.renewNow) this.renewNow();
      else this.holdUntil = Date.now() + (this.ttlMs * 2) / 3;
    });
  }

  /** Resolves once this process holds the lease. */
  async acquire(): Promise<void> {
    let announced = false;
    while (!this.stopped) {
      // never a SET left in ioredis's offline queue (it would run the moment Redis is back, before the holdoff), and
      // not before the leader had its turn after Redis came back
      if (this.redis.status !== 'ready' || Date.now() < this.holdUntil) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      try {
        const ok = await this.redis.set(this.key, this.id, 'PX', this.ttlMs, 'NX');
        if (ok === 'OK') return;
        if (!announced) {
          this.log.info({ holder: await this.redis.get(this.key) }, 'standby: another control plane holds the lease');
          announced = true;
        }
      } catch (err) {
        // Redis away (a Sentinel promotion, a restart): a standby keeps waiting, it does not exit
        this.log.warn({ err: String(err) }, 'standby: the lease cannot be read now; retrying');
      }
      await new Promise((r) => setTimeout(r, this.ttlMs / 6));
    }
  }

  /** Renew every third of the lease; `onLost` when another process holds it or Redis refuses. */
  keep(onLost: () => void): void {
    const renew = async () => {
      try {
        const ok = await this.redis.eval(RENEW_LUA, 1, this.key, this.id, String(this.ttlMs));
        if (ok !== 1) {
          this.log.error({}, 'leader lease lost');
          onLost();
        }
      } catch (err) {
        this.log.warn({ err: String(err) }, 'leader lease renewal failed; retrying');
      }
    };
    this.renewNow = () => void renew();
    this.timer = setInterval(renew, this.ttlMs / 3);
  }

  async release(): Promise<void> {
    this.stopped = true;
    this.renewNow = undefined;
    if (this.timer) clearInterval(this.timer);
    await this.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`, 1, this.key, this.id);
  }
}
