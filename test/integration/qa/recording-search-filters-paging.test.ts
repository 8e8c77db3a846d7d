import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, ensureSeat, makeCall, personWith, seatSession, startQaSide, type MadeCall, type QaSide, type Session } from './support/qa-side.ts';

let side: QaSide;
let qa: Session;
let dA: Session;
let dB: Session;
const calls: MadeCall[] = [];
const T0 = new Date('2026-05-10T00:00:00Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);

before(async () => {
  side = await startQaSide('rec-search');
  qa = await personWith(side.app, side.admin, ['qa']);
  dA = await personWith(side.app, side.admin, ['dispatcher']);
  dB = await personWith(side.app, side.admin, ['dispatcher']);
  for (const s of ['rs-1', 'rs-2']) await ensureSeat(side.deps.sql, s);
  await side.deps.sql`INSERT INTO queues (id, centre_id, name) VALUES ('rs-q2', 'city', '二线') ON CONFLICT DO NOTHING`;
  // rs-1: A until minute 30, then B from minute 31. rs-2: B all along.
  await seatSession(side.deps.sql, 'rs-1', dA.user.id, at(-60), at(30));
  await seatSession(side.deps.sql, 'rs-1', dB.user.id, at(31));
  await seatSession(side.deps.sql, 'rs-2', dB.user.id, at(-60));
  // 25 calls, one a minute apart on minutes 0..48 (every second minute); recordings of 1 or 2 s.
  for (let i = 0; i < 25; i++) {
    calls.push(await makeCall(side, {
      at: at(i * 2), seat: i % 3 === 0 ? 'rs-2' : 'rs-1', caller: i % 5 === 0 ? '13900000005' : `1380000${String(i).padStart(4, '0')}`,
      queue: i % 4 === 0 ? 'rs-q2' : 'city-main', incident: i === 7 ? 'INC-7' : null, audioS: i % 2 === 0 ? 1 : 2,
    }));
  }
  // A call without a recording never appears.
  await makeCall(side, { at: at(1), seat: 'rs-1' });
});
after(async () => side?.close());

async function search(q: string) {
  const res = await side.app.inject({ method: 'GET', url: `/v1/recordings?${q}`, headers: bearer(qa) });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { items: Array<{ call_id: string; recording_id: string; seat_id: string; qa_score: number | null; tags: string[]; duration_ms: number; audio_url: string }>; next_cursor: string | null };
}
const ids = (idx: number[]) => idx.map((i) => calls[i].id);
const newestFirst = (idx: number[]) => ids([...idx].sort((a, b) => b - a));

test('every filter selects exactly the calls it names, newest first', async () => {
  const all = [...Array(25).keys()];
  assert.deepEqual((await search('limit=100')).items.map((r) => r.call_id), newestFirst(all));
  const inRange = all.filter((i) => i * 2 >= 10 && i * 2 < 20);
  assert.deepEqual((await search(`from=${at(10).toISOString()}&to=${at(20).toISOString()}`)).items.map((r) => r.call_id), newestFirst(inRange));
  assert.deepEqual((await search('seat_id=rs-2&limit=100')).items.map((r) => r.call_id), newestFirst(all.filter((i) => i % 3 === 0)));
  assert.deepEqual((await search('caller_number=13900000005')).items.map((r) => r.call_id), newestFirst(all.filter((i) => i % 5 === 0)));
  assert.deepEqual((await search('queue_id=rs-q2&limit=100')).items.map((r) => r.call_id), newestFirst(all.filter((i) => i % 4 === 0)));
  assert.deepEqual((await search('incident_id=INC-7')).items.map((r) => r.call_id), ids([7]));
  assert.deepEqual((await search('min_duration=2&limit=100')).items.map((r) => r.call_id), newestFirst(all.filter((i) => i % 2 === 1)));
  assert.deepEqual((await search('max_duration=1&limit=100')).items.map((r) => r.call_id), newestFirst(all.filter((i) => i % 2 === 0)));
  assert.equal((await search('centre_id=city&limit=100')).items.length, 25);
  assert.equal((await search('centre_id=elsewhere')).items.length, 0);
  // Dispatcher A: rs-1 calls answered before minute 30. B: rs-1 after minute 31, and all of rs-2.
  const onA = all.filter((i) => i % 3 !== 0 && i * 2 < 30);
  const onB = all.filter((i) => i % 3 === 0 || i * 2 >= 31);
  assert.deepEqual((await search(`dispatcher=${dA.user.id}&limit=100`)).items.map((r) => r.call_id), newestFirst(onA));
  assert.deepEqual((await search(`dispatcher=${dB.user.id}&limit=100`)).items.map((r) => r.call_id), newestFirst(onB));
  assert.deepEqual((await search(`dispatcher=${dB.user.id}&seat_id=rs-1&limit=100`)).items.map((r) => r.call_id), newestFirst(onB.filter((i) => i % 3 !== 0)));
});

test('QA scores and tags filter too', async () => {
  const form = await side.app.inject({
    method: 'POST', url: '/v1/qa/forms', headers: bearer(qa),
    payload: { name: '检索测试表', items: [{ key: 'manner', label: '语气态度', kind: 'subjective', weight: 1, min: 0, max: 10 }] },
  });
  const formId = form.json().id as string;
  for (const [i, v] of [[1, 9], [2, 5], [3, 7]] as const) {
    const r = await side.app.inject({ method: 'POST', url: '/v1/qa/reviews', headers: bearer(qa), payload: { call_id: calls[i].id, form_id: formId, answers: [{ key: 'manner', value: v }], final: true } });
    assert.equal(r.statusCode, 201, r.body);
  }
  await side.app.inject({ method: 'POST', url: '/v1/qa/reviews', headers: bearer(qa), payload: { call_id: calls[4].id, form_id: formId, answers: [{ key: 'manner', value: 10 }] } });
  assert.deepEqual((await search('min_score=70')).items.map((r) => [r.call_id, r.qa_score]), [[calls[3].id, 70], [calls[1].id, 90]]);
  assert.deepEqual((await search('max_score=69.5')).items.map((r) => r.call_id), ids([2]));
  assert.deepEqual((await search('min_score=60&max_score=80')).items.map((r) => r.call_id), ids([3]));
  assert.equal((await search('min_score=99')).items.length, 0, 'a draft review does not count');

  for (const i of [5, 6]) {
    const t = await side.app.inject({ method: 'POST', url: `/v1/qa/recordings/${calls[i].recording_id}/tags`, headers: bearer(qa), payload: { tag: '典型案例' } });
    assert.equal(t.statusCode, 200, t.body);
  }
  const tagged = (await search(`tag=${encodeURIComponent('典型案例')}`)).items;
  assert.deepEqual(tagged.map((r) => r.call_id), ids([6, 5]));
  assert.deepEqual(tagged[0].tags, ['典型案例']);
  const untag = await side.app.inject({ method: 'DELETE', url: `/v1/qa/recordings/${calls[5].recording_id}/tags/${encodeURIComponent('典型案例')}`, headers: bearer(qa) });
  assert.deepEqual(untag.json().tags, []);
  assert.deepEqual((await search(`tag=${encodeURIComponent('典型案例')}`)).items.map((r) => r.call_id), ids([6]));
  assert.deepEqual((await search(`tag=${encodeURIComponent('典型案例')}&dispatcher=${dB.user.id}`)).items.map((r) => r.call_id), ids([6]));
  assert.deepEqual((await search(`tag=${encodeURIComponent('典型案例')}&dispatcher=${dA.user.id}`)).items.map((r) => r.call_id), []);
});

test('keyset paging walks every recording once, in order, even across equal arrival times', async () => {
  // Two more calls at the same instant as call 24.
  const twins = [await makeCall(side, { at: at(48), seat: 'rs-2', audioS: 1 }), await makeCall(side, { at: at(48), seat: 'rs-2', audioS: 1 })];
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await search(`limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    seen.push(...page.items.map((r) => r.call_id));
    cursor = page.next_cursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 7);
  assert.equal(seen.length, 27);
  assert.equal(new Set(seen).size, 27);
  const full = (await search('limit=100')).items.map((r) => r.call_id);
  assert.deepEqual(seen, full);
  assert.ok(twins.every((t) => seen.includes(t.id)));
});

test('roles and bad input: dispatchers cannot search; a bad cursor or unknown filter is a 400', async () => {
  assert.equal((await side.app.inject({ method: 'GET', url: '/v1/recordings', headers: bearer(dA) })).statusCode, 403);
  for (const q of ['cursor=nope', 'min_score=101', 'colour=red', 'dispatcher=not-a-uuid']) {
    const r = await side.app.inject({ method: 'GET', url: `/v1/recordings?${q}`, headers: bearer(qa) });
    assert.equal(r.statusCode, 400, q);
    assert.equal(r.json().code, 'CTI_BAD_REQUEST');
  }
});
