/**
 * The screening decision (control/src/screening/policy.ts, screen.ts) with fakes: a source of entries and a
 * let-through store on a fake clock. Policies, the degrade of warn_then_end without announcements, and the
 * once-per-period let-through.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LetThrough } from '../../../control/src/screening/let-through.ts';
import type { ListEntry } from '../../../control/src/screening/match.ts';
import { DEFAULT_POLICIES, decide, LOWEST_PRIORITY, POLICIES, type Policies, type PolicyName } from '../../../control/src/screening/policy.ts';
import { screenWith, type ScreeningSource } from '../../../control/src/screening/screen.ts';

/** The same contract as the Redis store (SET NX PX), on a clock the test moves. */
class FakeLetThrough implements LetThrough {
  private readonly until = new Map<string, number>();
  async claim(centre: string, number: string, periodMs: number, nowMs: number): Promise<boolean> {
    if (periodMs <= 0) return false;
    const key = `${centre}:${number}`;
    if ((this.until.get(key) ?? -Infinity) > nowMs) return false;
    this.until.set(key, nowMs + periodMs);
    return true;
  }
}

const BLOCKED: ListEntry = { id: 'b1', list: 'block', match: 'exact', number: '13800138000', reason: '反复骚扰', expiresMs: null };
const WATCHED: ListEntry = { id: 'w1', list: 'watch', match: 'prefix', number: '1390000', reason: '多次无声', expiresMs: null };
const ALLOWED: ListEntry = { id: 'a1', list: 'allow', match: 'exact', number: '110', reason: '110联动', expiresMs: null };

function source(entries: ListEntry[], policies: Policies = DEFAULT_POLICIES): ScreeningSource {
  return { read: async () => ({ entries, policies }) };
}
function withPolicy(list: ListEntry['list'], policy: PolicyName, overridePeriodS = 600): Policies {
  return { ...DEFAULT_POLICIES, [list]: { list, policy, overridePeriodS } };
}
const T0 = new Date('2026-05-01T08:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const call = (callerNumber: string, when = T0) => ({ callerNumber, calledNumber: '120', trunkId: 'e1-a', at: when });

test('screening-policy-unlisted-and-anonymous: no entry or no number means no screening', async () => {
  const lt = new FakeLetThrough();
  const d = await screenWith(source([BLOCKED]), lt, 'city', call('13900000000'));
  assert.equal(d.policy, 'none');
  assert.equal(d.list, null);
  assert.equal(d.priority, null);
  assert.equal((await screenWith(source([BLOCKED]), lt, 'city', call('anonymous'))).policy, 'none');
});

test('screening-policy-each: mark keeps the priority, lowest/warn queue at 9, allow is never held back', () => {
  for (const p of POLICIES) {
    const d = decide('13800138000', BLOCKED, withPolicy('block', p), { announcements: true, letThrough: false });
    assert.equal(d.configured_policy, p);
    assert.equal(d.policy, p);
    assert.equal(d.priority, p === 'none' || p === 'mark' ? null : LOWEST_PRIORITY, p);
    assert.equal(d.mark === null, p === 'none', p);
    assert.equal(d.announcement, p.startsWith('warn') ? 'warning' : null, p);
    assert.equal(d.end_after_announcement, p === 'warn_then_end', p);
    assert.equal(d.degraded, null);
  }
  const allowed = decide('110', ALLOWED, withPolicy('allow', 'warn_then_end'), { announcements: true, letThrough: false });
  assert.equal(allowed.policy, 'none', 'an allow list with a hold-back policy is treated as none');
  assert.equal(decide('110', ALLOWED, withPolicy('allow', 'mark'), { announcements: false, letThrough: false }).mark, '可信号码：110联动');
});

test('screening-policy-degrade: without announcements warn_then_end queues at the lowest priority and says so; nothing ends', () => {
  const d = decide('13800138000', BLOCKED, withPolicy('block', 'warn_then_end'), { announcements: false, letThrough: false });
  assert.equal(d.configured_policy, 'warn_then_end');
  assert.equal(d.policy, 'warn_then_lowest');
  assert.equal(d.degraded, 'announcement_unavailable');
  assert.equal(d.announcement, null);
  assert.equal(d.end_after_announcement, false);
  assert.equal(d.priority, LOWEST_PRIORITY);
  const w = decide('13800138000', BLOCKED, withPolicy('block', 'warn_then_lowest'), { announcements: false, letThrough: false });
  assert.equal(w.policy, 'warn_then_lowest');
  assert.equal(w.announcement, null);
  assert.equal(w.degraded, 'announcement_unavailable');
  assert.equal(decide('13800138000', BLOCKED, withPolicy('block', 'lowest_priority'), { announcements: false, letThrough: false }).degraded, null);
});

test('screening-override-period: a blocked number reaches a seat once per period (fake clock), then is held back', async () => {
  const lt = new FakeLetThrough();
  const src = source([BLOCKED], withPolicy('block', 'warn_then_end', 600));
  const first = await screenWith(src, lt, 'city', call('+8613800138000', at(0)));
  assert.equal(first.override_once, true);
  assert.equal(first.policy, 'mark', 'let through as routed, marked for the seat');
  assert.equal(first.priority, null);
  assert.equal(first.configured_policy, 'warn_then_end');
  assert.match(first.mark ?? '', /放行一次/);
  const second = await screenWith(src, lt, 'city', call('13800138000', at(60)));
  assert.equal(second.override_once, false);
  assert.equal(second.policy, 'warn_then_lowest');
  assert.equal(second.priority, LOWEST_PRIORITY);
  assert.equal((await screenWith(src, lt, 'city', call('13800138000', at(599)))).override_once, false, 'still within the period');
  assert.equal((await screenWith(src, lt, 'city', call('13800138000', at(600)))).override_once, true, 'a new period starts');
  assert.equal((await screenWith(src, lt, 'other', call('13800138000', at(601)))).override_once, true, 'periods are per centre');
});

test('screening-override-not-for-marks: mark-only lists and a zero period never claim a let-through', async () => {
  const lt = new FakeLetThrough();
  const marked = await screenWith(source([WATCHED]), lt, 'city', call('13900001234'));
  assert.equal(marked.policy, 'mark');
  assert.equal(marked.override_once, false);
  const never = source([BLOCKED], withPolicy('block', 'lowest_priority', 0));
  assert.equal((await screenWith(never, lt, 'city', call('13800138000'))).override_once, false);
  assert.equal((await screenWith(never, lt, 'city', call('13800138000'))).priority, LOWEST_PRIORITY);
});

test('screening-allow-wins: a 110 linkage line on the allow list is not held back by a block prefix', async () => {
  const lt = new FakeLetThrough();
  const blockAll = { ...BLOCKED, id: 'b2', match: 'prefix' as const, number: '1' };
  const d = await screenWith(source([blockAll, ALLOWED], withPolicy('block', 'lowest_priority', 0)), lt, 'city', call('110'));
  assert.equal(d.list, 'allow');
  assert.equal(d.policy, 'none');
});
