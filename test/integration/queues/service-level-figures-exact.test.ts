/**
 * Service level over call rows recorded the way the call flow records them: exact counts, shares,
 * average and 90th-percentile waits (percentile_cont), talk; per queue, centre, seat and hour.
 *
 *   queue sl-a (centre city), 02:00-02:59 UTC        queue sl-b (centre county1)
 *   c1 answered  5 s by s1, talk  60 s               c7 answered  3 s by s2, talk 40 s (03:10)
 *   c2 answered 10 s by s2, talk  30 s               c8 answered 40 s by s1, talk 20 s (02:50)
 *   c3 answered 12 s by s1, talk  90 s
 *   c4 rang out at s1, answered 18 s by s2, talk 120 s
 *   c5 abandoned at 25 s while ringing at s1
 *   c6 still waiting
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bearer, ensureSeat, insertCall, startQueuesSide, type QueuesSide } from './support/queues-side.ts';

let h: QueuesSide;
const H2 = new Date('2025-01-01T02:00:00Z');
const t = (min: number) => new Date(H2.getTime() + min * 60_000);
const period = 'from=2025-01-01T02:00:00Z&to=2025-01-01T04:00:00Z';

before(async () => {
  h = await startQueuesSide('queues-sl');
  const sql = h.deps.sql;
  await sql`INSERT INTO centres (id, name) VALUES ('county1', '县120')`;
  await sql`INSERT INTO queues (id, centre_id, name) VALUES ('sl-a', 'city', 'A'), ('sl-b', 'county1', 'B')`;
  await ensureSeat(sql, 's1');
  await ensureSeat(sql, 's2');
  await insertCall(sql, { queue: 'sl-a', arrived: t(1), answerMs: 5000, endMs: 65_000, seat: 's1', offers: [['s1', 'answered']] });
  await insertCall(sql, { queue: 'sl-a', arrived: t(2), answerMs: 10_000, endMs: 40_000, seat: 's2', offers: [['s2', 'answered']] });
  await insertCall(sql, { queue: 'sl-a', arrived: t(3), answerMs: 12_000, endMs: 102_000, seat: 's1', offers: [['s1', 'answered']] });
  await insertCall(sql, { queue: 'sl-a', arrived: t(4), answerMs: 18_000, endMs: 138_000, seat: 's2', offers: [['s1', 'no_answer'], ['s2', 'answered']] });
  await insertCall(sql, { queue: 'sl-a', arrived: t(5), endMs: 25_000, abandoned: true, offers: [['s1', 'cancelled']] });
  await insertCall(sql, { queue: 'sl-a', arrived: t(6) });
  await insertCall(sql, { queue: 'sl-b', centre: 'county1', arrived: t(70), answerMs: 3000, endMs: 43_000, seat: 's2', offers: [['s2', 'answered']] });
  await insertCall(sql, { queue: 'sl-b', centre: 'county1', arrived: t(50), answerMs: 40_000, endMs: 60_000, seat: 's1', offers: [['s1', 'answered']] });
  await insertCall(sql, { queue: 'sl-a', arrived: new Date('2025-01-01T04:00:00Z'), answerMs: 1000, endMs: 2000, seat: 's1' }); // after the period
});
after(async () => { await h?.close(); });

async function report(query: string) {
  const res = await h.app.inject({ method: 'GET', url: `/v1/stats/service-level?${period}&${query}`, headers: bearer(h.admin) });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { items: Record<string, unknown>[]; total: Record<string, unknown>; live: boolean };
}

test('per-queue: counts, shares of the settled calls, mean and p90 wait, mean talk', async () => {
  const r = await report('group_by=queue');
  assert.equal(r.live, false);
  assert.deepEqual(r.items, [
    {
      key: 'sl-a', offered: 6, answered: 4, answered_within_10s: 2, answered_within_15s: 3, answered_within_20s: 4, abandoned: 1, settled: 5, in_progress: 1,
      answered_within_10s_pct: 40, answered_within_15s_pct: 60, answered_within_20s_pct: 80, abandoned_pct: 20,
      avg_wait_ms: 14_000, p90_wait_ms: 22_200, avg_talk_ms: 75_000,
    },
    {
      key: 'sl-b', offered: 2, answered: 2, answered_within_10s: 1, answered_within_15s: 1, answered_within_20s: 1, abandoned: 0, settled: 2, in_progress: 0,
      answered_within_10s_pct: 50, answered_within_15s_pct: 50, answered_within_20s_pct: 50, abandoned_pct: 0,
      avg_wait_ms: 21_500, p90_wait_ms: 36_300, avg_talk_ms: 30_000,
    },
  ]);
  assert.deepEqual(r.total, {
    offered: 8, answered: 6, answered_within_10s: 3, answered_within_15s: 4, answered_within_20s: 5, abandoned: 1, settled: 7, in_progress: 1,
    answered_within_10s_pct: 42.86, answered_within_15s_pct: 57.14, answered_within_20s_pct: 71.43, abandoned_pct: 14.29,
    avg_wait_ms: 16_143, p90_wait_ms: 31_000, avg_talk_ms: 60_000,
  });
});

test('per-seat: offered to it or answered by it; answered and talk only its own; abandoned only while ringing there', async () => {
  const r = await report('group_by=seat');
  const pick = (row: Record<string, unknown>) => [row.key, row.offered, row.answered, row.answered_within_10s, row.answered_within_15s,
    row.answered_within_20s, row.abandoned, row.settled, row.avg_wait_ms, row.p90_wait_ms, row.avg_talk_ms];
  assert.deepEqual(r.items.map(pick), [
    ['s1', 5, 3, 1, 2, 2, 1, 5, 20_000, 34_000, 56_667],
    ['s2', 3, 3, 2, 2, 3, 0, 3, 10_333, 16_400, 63_333],
  ]);
  assert.equal(r.total.offered, 8, 'the total counts each call once');
  const one = await report('group_by=queue&seat_id=s2');
  assert.deepEqual(one.items.map((row) => [row.key, row.offered, row.answered]), [['sl-a', 2, 2], ['sl-b', 1, 1]]);
  assert.deepEqual([one.total.offered, one.total.answered_within_10s_pct], [3, 66.67]);
});

test('per-centre and per-hour, and filters', async () => {
  const centres = await report('group_by=centre');
  assert.deepEqual(centres.items.map((row) => [row.key, row.offered, row.answered_within_10s]), [['city', 6, 2], ['county1', 2, 1]]);
  const hours = await report('group_by=hour');
  assert.deepEqual(hours.items.map((row) => [row.key, row.offered, row.answered]), [['2025-01-01T02:00:00Z', 7, 5], ['2025-01-01T03:00:00Z', 1, 1]]);
  const county = await report('group_by=queue&centre_id=county1');
  assert.deepEqual(county.items.map((row) => row.key), ['sl-b']);
  const b = await report('queue_id=sl-b');
  assert.deepEqual([b.total.offered, b.total.p90_wait_ms], [2, 36_300]);
});

test('no period: the live last 15 minutes (none of these old calls); a backwards period is 400 CTI_STATS_PERIOD_INVALID', async () => {
  const live = await h.app.inject({ method: 'GET', url: '/v1/stats/service-level', headers: bearer(h.admin) });
  assert.equal(live.statusCode, 200);
  assert.equal(live.json().live, true);
  assert.deepEqual([live.json().items, live.json().total.offered, live.json().total.answered_within_10s_pct], [[], 0, null]);
  const bad = await h.app.inject({ method: 'GET', url: '/v1/stats/service-level?from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z', headers: bearer(h.admin) });
  assert.deepEqual([bad.statusCode, bad.json().code], [400, 'CTI_STATS_PERIOD_INVALID']);
});
