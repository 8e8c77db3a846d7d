/**
 * Tier and skills of seats reach the ACD, through the real stack (Kamailio, control plane, SIPp seats):
 *   - set through the seats admin API (audited, checked: a bad tier is a coded 400), and taken from the seat
 *     template for a surge seat;
 *   - a queue with tiers [{tier 1, after 0 s}, {tier 2, after 4 s}]: with the tier-1 seat ready a call goes to it
 *     at once even though the tier-2 seat is idle longer; with the tier-1 seat not ready, the tier-2 seat gets the
 *     call only after 4 s;
 *   - a queue requiring skill 'dialect-wu': the call goes to the seat with that skill, not to the one idle longer.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { QUEUE_ID, sleep, startCallCentre, type CallCentre, type Seat, type Trunk } from '../support/callcentre.ts';

const SIPP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'sipp');
const TIER2_AFTER_S = 4;

let cc: CallCentre;
let trunk: Trunk;
let seq = 0;

before(async () => {
  cc = await startCallCentre('seats-acd-tiers', { queue: { wrapup_s: 0, ring_timeout_s: 10 } });
  trunk = await cc.createTrunkPort();
});
after(async () => { await cc?.close(); });

async function phone(seat: Seat): Promise<void> {
  await cc.startSeatPhone(seat, join(SIPP_DIR, 'uas-seat-answer-at-once-no-media.xml'));
}

async function oneCall(): Promise<{ answeredBy: string | null; answerMs: number }> {
  const caller = `1390000${String(++seq).padStart(4, '0')}`;
  const res = await cc.runCaller(trunk, {
    scenario: join(SIPP_DIR, 'uac-120-expect-answer-no-media.xml'), vars: { talk_ms: '200' }, timeoutS: 30,
    injection: [{ caller, display: 'tier caller' }],
  });
  assert.ok(res.ok, `caller failed: ${res.errorLog}\n${res.screenLog}`);
  const call = await cc.waitForCall((c) => c.caller_number === caller && c.state === 'ended', 10_000, `call from ${caller} ended`);
  return { answeredBy: call.answered_seat_id, answerMs: call.answer_ms ?? -1 };
}

test('seats admin API: tier and skills are set, audited and checked', async () => {
  const [s] = await cc.createSeats(1);
  const patched = await cc.apiOk('PATCH', `/v1/seats/${s.id}`, { tier: 2, skills: ['dialect-wu', 'english'] });
  assert.equal(patched.tier, 2);
  assert.deepEqual(patched.skills, ['dialect-wu', 'english']);
  const live = await cc.redis.hgetall(`cti:seat:${s.id}`);
  assert.equal(live.tier, '2', 'the live seat state has the tier at once');
  assert.deepEqual(JSON.parse(live.skills!), ['dialect-wu', 'english']);
  const [audit] = await cc.sql<{ before: { tier: number | null }; after: { tier: number; skills: string[] } }[]>`
    SELECT before, after FROM audit_log WHERE action = 'seat.updated' AND target_id = ${s.id} ORDER BY id DESC LIMIT 1`;
  assert.equal(audit.before.tier, null);
  assert.equal(audit.after.tier, 2);
  const bad = await cc.api('PATCH', `/v1/seats/${s.id}`, { tier: 0 });
  assert.equal(bad.status, 400);
  assert.equal((bad.body as { code: string }).code, 'CTI_BAD_REQUEST');
  const badSkill = await cc.api('PATCH', `/v1/seats/${s.id}`, { skills: ['Has Space'] });
  assert.equal(badSkill.status, 400);
  // back to the default (null: tier 1, no skills) so this seat does not disturb the other tests
  await cc.apiOk('PATCH', `/v1/seats/${s.id}`, { tier: null, skills: null, enabled: false });
});

test('a surge seat takes tier and skills from its template', async () => {
  await cc.apiOk('POST', '/v1/seat-templates', { id: 'tpl-wu', name: '吴语席位', queues: [QUEUE_ID], tier: 3, skills: ['dialect-wu'] });
  const created = await cc.apiOk<{ surge: { id: string }; seats: { id: string }[] }>('POST', '/v1/surges', {
    template_id: 'tpl-wu', count: 1, prefix: 'wu', expires_at: new Date(Date.now() + 3600_000).toISOString(), reason: '重大事件演练',
  });
  const live = await cc.redis.hgetall(`cti:seat:${created.seats[0]!.id}`);
  assert.equal(live.tier, '3');
  assert.deepEqual(JSON.parse(live.skills!), ['dialect-wu']);
  await cc.apiOk('POST', `/v1/surges/${created.surge.id}/end`, {});
});

test(`tiers: tier 1 first; with tier 1 not ready the tier-2 seat gets the call only after ${TIER2_AFTER_S} s`, { timeout: 90_000 }, async () => {
  const [t2, t1] = await cc.createSeats(2);
  await cc.apiOk('PATCH', `/v1/seats/${t2.id}`, { tier: 2 });
  await cc.apiOk('PATCH', `/v1/seats/${t1.id}`, { tier: 1 });
  const q = await cc.apiOk('PATCH', `/v1/queues/${QUEUE_ID}`, { strategy: 'tiers', settings: { tiers: [{ tier: 1, after_s: 0 }, { tier: 2, after_s: TIER2_AFTER_S }] } });
  assert.deepEqual(q.settings.tiers, [{ tier: 1, after_s: 0 }, { tier: 2, after_s: TIER2_AFTER_S }]);
  await phone(t2);
  await phone(t1);
  await cc.loginReady(t2); // idle longest: longest_idle would pick it
  await sleep(300);
  await cc.loginReady(t1);

  const first = await oneCall();
  assert.equal(first.answeredBy, t1.id, 'tier 1 answers while ready');
  assert.ok(first.answerMs < 2000, `tier 1 got it at once (${first.answerMs} ms)`);

  await cc.waitForSeatState(t1, 'ready');
  await cc.seatNotReady(t1);
  const second = await oneCall();
  assert.equal(second.answeredBy, t2.id, 'tier 2 answers when tier 1 is not ready');
  assert.ok(second.answerMs >= TIER2_AFTER_S * 1000, `not before ${TIER2_AFTER_S} s (${second.answerMs} ms)`);
  assert.ok(second.answerMs < TIER2_AFTER_S * 1000 + 3000, `soon after ${TIER2_AFTER_S} s (${second.answerMs} ms)`);

  await cc.seatLogout(t1);
  await cc.waitForSeatState(t2, 'ready');
  await cc.seatLogout(t2);
});

test('skills: a call needing dialect-wu goes to the seat with that skill, not the one idle longest', { timeout: 60_000 }, async () => {
  const [plain, wu] = await cc.createSeats(2);
  await cc.apiOk('PATCH', `/v1/seats/${wu.id}`, { skills: ['dialect-wu'] });
  await cc.apiOk('PATCH', `/v1/queues/${QUEUE_ID}`, { strategy: 'longest_idle', settings: { tiers: [], required_skills: ['dialect-wu'] } });
  const bad = await cc.api('PATCH', `/v1/queues/${QUEUE_ID}`, { settings: { required_skills: [''] } });
  assert.equal(bad.status, 400, 'an empty skill name is refused'); // the good PATCH above is in force at once
  await phone(plain);
  await phone(wu);
  await cc.loginReady(plain);
  await sleep(300);
  await cc.loginReady(wu);
  const call = await oneCall();
  assert.equal(call.answeredBy, wu.id);
  const offers = await cc.sql<{ seat_id: string }[]>`SELECT o.seat_id FROM call_offers o JOIN calls c ON c.id = o.call_id WHERE c.answered_seat_id = ${wu.id}`;
  assert.deepEqual(offers.map((o) => o.seat_id), [wu.id], 'offered only to the skilled seat');
});
