/**
 * The lead across a Redis outage on a pair (docs/ha.md "The leader across a Redis outage"): the state machine, the
 * lease's pause at its deadline and resumption at the next accepted renewal, the paused leader's guard (its peer's
 * role, the longest pause) and the lease file keepalived tracks, and a standby that defers to a peer that leads or
 * pauses. Fakes for Redis and the peer only; the real pair is test/integration/ha/pair-redis-master-killed-*.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { LeaderLease } from '../../../control/src/app/leader.ts';
import type { Logger } from '../../../control/src/app/logger.ts';
import { LeaseFile } from '../../../control/src/ha/fence/lease-file.ts';
import { Leadership } from '../../../control/src/ha/lease/leadership.ts';
import { holdsAddress, nextLeadState, offers, pausedVerdict, standbyMayTake, type LeadEvent, type PeerRole } from '../../../control/src/ha/lease/machine.ts';
import { CtiError } from '../../../control/src/errors/catalogue.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

function fakeRedis(renew: () => Promise<number>, lease: { absent: boolean } = { absent: true }): Redis {
  return {
    status: 'ready',
    on: () => undefined,
    pttl: async () => (lease.absent ? -2 : 1000),
    get: async () => null,
    eval: async (script: string) => (script.includes('PEXPIRE') ? renew() : 1),
  } as unknown as Redis;
}

const until = (cond: () => boolean, ms = 3000) => new Promise<void>((resolve, reject) => {
  const t0 = Date.now();
  const t = setInterval(() => {
    if (cond()) { clearInterval(t); resolve(); } else if (Date.now() - t0 > ms) { clearInterval(t); reject(new Error('condition not met in time')); }
  }, 5);
});

describe('the lead state machine', () => {
  test('leading pauses at the deadline, resumes on a renewal; a paused leader gives up when another may lead', () => {
    assert.equal(nextLeadState('standby', 'lease_taken'), 'leading');
    assert.equal(nextLeadState('leading', 'deadline_passed'), 'paused');
    assert.equal(nextLeadState('paused', 'renewed'), 'leading');
    for (const e of ['peer_leads', 'peer_unreachable', 'pause_too_long', 'another_holds', 'handed_over'] as LeadEvent[]) {
      assert.equal(nextLeadState('paused', e), 'gave_up', e);
    }
    assert.equal(nextLeadState('leading', 'another_holds'), 'gave_up');
    assert.ok(holdsAddress('paused') && holdsAddress('leading') && !holdsAddress('gave_up') && !holdsAddress('standby'));
    assert.ok(offers('leading') && !offers('paused'));
  });

  test('an illegal transition is refused with a coded error', () => {
    assert.throws(() => nextLeadState('standby', 'renewed'), (e: unknown) => e instanceof CtiError && e.code === 'CTI_HA_ILLEGAL_LEAD_TRANSITION');
    assert.throws(() => nextLeadState('leading', 'peer_unreachable'), (e: unknown) => e instanceof CtiError);
  });

  test('the paused verdict and the standby rule', () => {
    assert.equal(pausedVerdict('standby', 100, 8000), undefined);
    assert.equal(pausedVerdict('leading', 100, 8000), 'peer_leads');
    assert.equal(pausedVerdict('unreachable', 100, 8000, 1), undefined, 'one unanswered question is not a cut link');
    assert.equal(pausedVerdict('unreachable', 100, 8000, 2), 'peer_unreachable');
    assert.equal(pausedVerdict('unreachable', 100, 8000), 'peer_unreachable');
    assert.equal(pausedVerdict('standby', 8000, 8000), 'pause_too_long');
    assert.deepEqual((['standby', 'leading', 'paused', 'unreachable'] as PeerRole[]).map(standbyMayTake), [true, false, false, true]);
  });
});

describe('the lease pauses at its deadline on a pair', () => {
  test('renewals refused past validUntil pause the lead (not lost); the next accepted renewal resumes it', async () => {
    let failing = true;
    const lease = new LeaderLease(fakeRedis(() => (failing ? Promise.reject(new Error('connection refused')) : Promise.resolve(1))), quiet, 'k', 600);
    await lease.acquire();
    const seen: string[] = [];
    lease.keep(() => seen.push('lost'), () => seen.push('renewed'), { deadline: true, onDeadline: () => seen.push('paused') });
    await until(() => seen.includes('paused'));
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual(seen, ['paused'], 'paused once, not lost, while renewals keep failing');
    failing = false;
    await until(() => seen.includes('renewed'));
    assert.ok(lease.validUntil > Date.now(), 'the lease is valid again');
    await lease.release();
  });

  test('another holder found by a renewal still ends the lead', async () => {
    const lease = new LeaderLease(fakeRedis(async () => 0), quiet, 'k', 600);
    await lease.acquire();
    const lost = await new Promise<boolean>((resolve) => lease.keep(() => resolve(true), () => {}, { deadline: true, onDeadline: () => resolve(false) }));
    assert.equal(lost, true);
    await lease.release();
  });
});

describe('the paused leader keeps the address only while its peer answers and does not lead', () => {
  function rig(peer: () => PeerRole, pauseMaxMs = 5000) {
    const file = join(mkdtempSync(join(tmpdir(), 'cti-lead-')), 'ha-lease');
    const leaseFile = new LeaseFile(file, quiet);
    const lease = new LeaderLease(fakeRedis(() => Promise.reject(new Error('redis away'))), quiet, 'k', 600);
    const gaveUp: LeadEvent[] = [];
    const offering: boolean[] = [];
    const l = new Leadership({
      lease, leaseFile, log: quiet, pair: true, pauseMaxMs,
      onOffers: (on) => offering.push(on), onGaveUp: (why) => gaveUp.push(why), askPeer: async () => peer(),
    });
    leaseFile.start(() => l.holdsAddress());
    return { l, lease, gaveUp, offering, fileSays: () => readFileSync(file, 'utf8').trim() };
  }

  test('peer standby: paused, no offers, the file still says the lease is held', async () => {
    const r = rig(() => 'standby');
    await r.lease.acquire();
    r.l.lead();
    assert.equal(r.l.state, 'leading');
    await until(() => r.l.state === 'paused');
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(r.l.state, 'paused');
    assert.equal(r.l.role(), 'paused');
    assert.equal(r.offering.at(-1), false, 'no offers while paused');
    assert.equal(r.fileSays(), '0', 'keepalived keeps the address');
    assert.deepEqual(r.gaveUp, []);
    r.l.stop();
    await r.lease.release();
  });

  for (const [peer, why] of [['leading', 'peer_leads'], ['unreachable', 'peer_unreachable']] as const) {
    test(`peer ${peer}: the paused leader gives up (${why}; unreachable: on the second unanswered question), the file says "1"`, async () => {
      const r = rig(() => peer);
      await r.lease.acquire();
      r.l.lead();
      await until(() => r.l.state === 'gave_up');
      assert.deepEqual(r.gaveUp, [why]);
      assert.equal(r.fileSays(), '1');
      assert.equal(r.l.role(), 'standby');
      await r.lease.release();
    });
  }

  test('peer slow once, then answering standby: the paused leader keeps the address (one timeout is not a cut)', async () => {
    let asked = 0;
    const r = rig(() => (++asked === 1 ? 'unreachable' : 'standby'));
    await r.lease.acquire();
    r.l.lead();
    await until(() => asked >= 3);
    assert.equal(r.l.state, 'paused');
    assert.deepEqual(r.gaveUp, []);
    assert.equal(r.fileSays(), '0', 'keepalived keeps the address');
    r.l.stop();
    await r.lease.release();
  });

  test('paused for longer than the longest pause: gives up', async () => {
    const r = rig(() => 'standby', 300);
    await r.lease.acquire();
    r.l.lead();
    await until(() => r.l.state === 'gave_up');
    assert.deepEqual(r.gaveUp, ['pause_too_long']);
    await r.lease.release();
  });

  test('a standby does not take a free lease while its peer leads or pauses', async () => {
    let peer: PeerRole = 'paused';
    const standby = new LeaderLease(fakeRedis(async () => 1), quiet, 'k', 300);
    let took = false;
    const asked: PeerRole[] = [];
    void standby.acquire(async () => { asked.push(peer); return standbyMayTake(peer); }).then(() => { took = true; });
    await until(() => asked.length >= 2);
    assert.equal(took, false, 'waits while the peer pauses');
    peer = 'standby';
    await until(() => took);
    await standby.release();
  });
});
