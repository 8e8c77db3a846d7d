import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/**
 * One active control plane per centre: the active one holds a lease in Redis and renews it; a standby
 * waits and takes over when the lease runs out (ARCHITECTURE.md "Scaling out").
 */
/** Stop leading this long before the lease can run out in Redis (timer and clock-rate skew). */
const LOCAL_MARGIN_MS = 300;

// An absent key is taken back: it ran out while Redis was away (a Sentinel promotion takes 1-2 s of a 3 s lease,
// docs/ha.md "The data tier of a pair") and no other process took it meanwhile, so nobody else leads. KEYS[2] names the
// last process that took the lease (written with it, kept without expiry): an absent lease is taken back only by that
// process (or when that record is gone too, an emptied Redis), so a leader that paused past its deadline never takes
// the lead back after another process led in between (docs/ha.md "The leader across a Redis outage").
const RENEW_LUA = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif v == false then
  local last = redis.call('GET', KEYS[2])
  if last ~= false and last ~= ARGV[1] then return 0 end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) redis.call('SET', KEYS[2], ARGV[1]) return 1
else return 0 end`;

const ACQUIRE_LUA = `if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then redis.call('SET', KEYS[2], ARGV[1]) return 1 end
return 0`;

/**
 * After Redis came back (this process's connection was lost and is ready again: a promotion, a restart), a standby
 * does not try to take the lease before this much time has passed: the leader's turn to renew or take it back first.
 * Not tied to the lease's length: it covers the difference between the two nodes' reconnections to the new master.
 */
export const STANDBY_HOLDOFF_AFTER_REDIS_BACK_MS = 2000;

export class LeaderLease {
  readonly id = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** A standby does not try before this (ms epoch): the leader's turn to take back its lease after Redis came back. */
  private holdUntil = 0;
  private renewNow: (() => void) | undefined;

  private readonly lastKey: string;

  constructor(private readonly redis: Redis, private readonly log: Logger, private readonly key = 'cti:leader', readonly ttlMs = 3000,
    private readonly holdoffMs = STANDBY_HOLDOFF_AFTER_REDIS_BACK_MS) {
    this.lastKey = `${key}:last`;
    // Redis came back (a Sentinel promotion, a restart; docs/ha.md "The data tier of a pair"): the leader renews at
    // once, a standby waits `holdoffMs`, so a lease that ran out while Redis was away goes back to its leader
    // rather than to whichever process reconnected first (that would move the lead and the calls queued in the
    // leader's Kamailio would have to be taken over).
    let connected = redis.status === 'ready';
    redis.on('ready', () => {
      // the first connection is the start, not Redis coming back
      if (!connected) {
        connected = true;
        return;
      }
      if (this.renewNow) this.renewNow();
      else this.holdUntil = Date.now() + this.holdoffMs;
    });
  }

  /**
   * Resolves once this process holds the lease. `mayTake` (a node of a pair: ha/lease/peer.ts) is asked before an
   * absent lease is taken: false while the peer leads or pauses (a leader reclaiming its lease after a Redis outage).
   */
  async acquire(mayTake?: () => Promise<boolean>): Promise<void> {
    let announced = false;
    let deferred = false;
    while (!this.stopped) {
      // never a SET left in ioredis's offline queue (it would run the moment Redis is back, before the holdoff), and
      // not before the leader had its turn after Redis came back
      if (this.redis.status !== 'ready' || Date.now() < this.holdUntil) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      try {
        if (mayTake && (await this.redis.pttl(this.key)) === -2 && !(await mayTake())) {
          if (!deferred) this.log.warn({}, 'standby: the lease is free but the peer still leads or pauses (reclaiming it after a Redis outage); waiting');
          deferred = true;
          await new Promise((r) => setTimeout(r, this.ttlMs / 6));
          continue;
        }
        const sent = Date.now();
        const ok = await this.redis.eval(ACQUIRE_LUA, 2, this.key, this.lastKey, this.id, String(this.ttlMs));
        if (ok === 1) {
          this.validUntil = sent + this.ttlMs - LOCAL_MARGIN_MS;
          return;
        }
        // the holder's last renewal, from the time left on its lease: the takeover's "last sign of life" (ha/lead.ts)
        const left = await this.redis.pttl(this.key);
        if (left > 0) this.holderRenewedAt = Date.now() - (this.ttlMs - left);
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

  /**
   * Until when this process surely holds the lease (ms since epoch): the send time of the last renewal Redis
   * accepted plus the TTL less a margin. Redis set the expiry after it received that renewal, so no other
   * process can take the lease before this moment (docs/ha.md, "Split brain").
   */
  validUntil = 0;

  /** While waiting in acquire(): when the holder last renewed the lease, as far as this process saw (ms since epoch). */
  holderRenewedAt: number | undefined;

  /**
   * Renew every third of the lease; `onLost` when another process holds it, Redis refuses, or Redis has not
   * answered a renewal before `validUntil` (this process may no longer hold it: it must stop leading).
   * `onRenewed` after each renewal Redis accepted.
   * `deadline: false` (a single node, nothing to fence against): renewals that fail or hang are retried and the lead
   * is kept; only another process holding the lease ends it. A Redis restart on a single node must not take its only
   * control plane down (the calls it holds would fail open), which the deadline does once the outage outlasts it.
   * `onDeadline` (a node of a pair, ha/lease/leadership.ts): at `validUntil` the lead is paused instead of lost; the
   * renewals go on, the first one Redis accepts resumes it (`onRenewed`), another holder still ends it (`onLost`).
   */
  keep(onLost: () => void, onRenewed: () => void = () => {}, opts: { deadline?: boolean; onDeadline?: () => void } = {}): void {
    const fenced = opts.deadline ?? true;
    const pause = opts.onDeadline;
    let lost = false;
    let paused = false;
    const lose = (why: string) => {
      if (lost) return;
      lost = true;
      if (this.timer) clearInterval(this.timer);
      this.log.error({ why }, 'leader lease lost');
      onLost();
    };
    const pastDeadline = (why: string) => {
      if (!pause) return lose(why);
      if (paused) return;
      paused = true;
      this.log.error({ why }, 'leader lease: no renewal answered before validUntil; pausing (no offers) until Redis answers');
      pause();
    };
    const renew = async () => {
      if (lost) return;
      const sent = Date.now();
      try {
        const ok = await this.redis.eval(RENEW_LUA, 2, this.key, this.lastKey, this.id, String(this.ttlMs));
        if (ok !== 1) return lose('another process holds the lease');
        this.validUntil = sent + this.ttlMs - LOCAL_MARGIN_MS;
        if (lost || Date.now() >= this.validUntil) return;
        if (paused) this.log.warn({}, 'leader lease renewed after a pause: leading again');
        paused = false;
        onRenewed();
      } catch (err) {
        if (fenced && Date.now() >= this.validUntil) return pastDeadline(`no renewal answered in time: ${String(err)}`);
        this.log.warn({ err: String(err) }, 'leader lease renewal failed; retrying');
      }
    };
    this.renewNow = () => void renew();
    this.timer = setInterval(renew, this.ttlMs / 3);
    // a renewal that hangs (Redis unreachable, no error yet) must not keep this process leading
    if (!fenced) return;
    const deadline = setInterval(() => {
      if (lost || this.stopped) return clearInterval(deadline);
      if (Date.now() >= this.validUntil && !paused) {
        if (!pause) clearInterval(deadline);
        pastDeadline('no renewal answered before the lease ran out');
      }
    }, 100);
    deadline.unref();
  }

  /** After release(): acquire() may wait for the lease again. */
  reopen(): void {
    this.stopped = false;
  }

  async release(): Promise<void> {
    this.stopped = true;
    this.renewNow = undefined;
    if (this.timer) clearInterval(this.timer);
    await this.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`, 1, this.key, this.id);
  }
}
