/**
 * Call records through the API, from rows written as the call flow writes them (real PostgreSQL):
 * derived timings, offers with ring time, legs, the event log, filters and paging, the abandoned-call
 * work list (and that /v1/calls/abandoned is not taken for a call id), roles.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { bearer, ensureSeat, insertAbandonedCall, insertAnsweredCall, personWith, startReadSide, type ReadSide } from './support/read-side.ts';

let h: ReadSide;
const seats: [string, string] = [`s1-${process.pid}`, `s2-${process.pid}`];

before(async () => {
  h = await startReadSide('call-records');
  for (const s of seats) await ensureSeat(h.deps.sql, s);
});
after(async () => h?.close());

test('one call: timings derived from its facts, offers with ring time and outcome, legs, event log in order', async () => {
  const t0 = new Date('2025-11-20T08:00:00.000Z');
  const call = await insertAnsweredCall(h.deps.sql, t0, seats);
  const res = await h.app.inject({ url: `/v1/calls/${call.id}`, headers: bearer(h.admin) });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.call.id, call.id);
  assert.equal(body.call.state, 'ended');
  assert.deepEqual([body.call.queue_ms, body.call.answer_ms, body.call.talk_ms], [13_500, 14_000, 60_000]);
  assert.equal(body.call.arrived_at, t0.toISOString());
  assert.equal(body.call.answered_seat_id, seats[1]);
  assert.equal(body.call.recording_id, null);
  assert.deepEqual(body.offers.map((o: { attempt: number; seat_id: string; ring_ms: number; outcome: string; sip_status: number }) =>
    [o.attempt, o.seat_id, o.ring_ms, o.outcome, o.sip_status]), [[1, seats[0], 9500, 'no_answer', 408], [2, seats[1], 3000, 'answered', 200]]);
  assert.deepEqual(body.legs.map((l: { kind: string; party: string }) => [l.kind, l.party]), [['caller', '13800000001'], ['seat', seats[1]]]);
  assert.deepEqual(body.events.map((e: { type: string }) => e.type),
    ['call.offered.v1', 'call.queued.v1', 'call.offering.v1', 'call.offer_failed.v1', 'call.offering.v1', 'call.answered.v1', 'call.ended.v1']);
  assert.equal(body.events[5].data.ring_ms, 3000);
});

test('an unknown call id is 404 CTI_CALL_NOT_FOUND; a malformed one is 400', async () => {
  const missing = await h.app.inject({ url: `/v1/calls/${randomUUID()}`, headers: bearer(h.admin) });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'CTI_CALL_NOT_FOUND');
  const bad = await h.app.inject({ url: '/v1/calls/not-a-uuid', headers: bearer(h.admin) });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'CTI_BAD_REQUEST');
});

test('the list: newest first, filters by caller, seat, state, time and Call-ID, pages without overlap', async () => {
  const caller = `139${process.pid}`.slice(0, 11);
  const base = Date.parse('2025-11-21T00:00:00.000Z');
  const made = [];
  for (let i = 0; i < 5; i++) made.push(await insertAnsweredCall(h.deps.sql, new Date(base + i * 60_000), seats, caller));
  const list = async (q: string) => {
    const res = await h.app.inject({ url: `/v1/calls?${q}`, headers: bearer(h.admin) });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { items: Array<{ id: string; caller_number: string }>; next_before: string | null };
  };
  const all = await list(`caller_number=${caller}`);
  assert.deepEqual(all.items.map((c) => c.id), made.map((c) => c.id).reverse());
  assert.equal(all.next_before, null);

  const p1 = await list(`caller_number=${caller}&limit=2`);
  const p2 = await list(`caller_number=${caller}&limit=2&before=${encodeURIComponent(p1.next_before!)}`);
  const p3 = await list(`caller_number=${caller}&limit=2&before=${encodeURIComponent(p2.next_before!)}`);
  assert.deepEqual([...p1.items, ...p2.items, ...p3.items].map((c) => c.id), all.items.map((c) => c.id));
  assert.equal(p3.next_before, null);

  const window = await list(`caller_number=${caller}&from=${new Date(base + 60_000).toISOString()}&to=${new Date(base + 180_000).toISOString()}`);
  assert.deepEqual(window.items.map((c) => c.id), [made[2].id, made[1].id]);
  const bySip = await list(`sip_call_id=${encodeURIComponent(made[3].sip_call_id)}`);
  assert.deepEqual(bySip.items.map((c) => c.id), [made[3].id]);
  const bySeat = await list(`seat_id=${seats[0]}&caller_number=${caller}`);
  assert.equal(bySeat.items.length, 5, 'offered to seat 1 (not answered there) still counts');
  const none = await list(`caller_number=${caller}&state=abandoned`);
  assert.equal(none.items.length, 0);
  const badState = await h.app.inject({ url: '/v1/calls?state=flying', headers: bearer(h.admin) });
  assert.equal(badState.statusCode, 400);
});

test('the abandoned work list: open first, then claimed, then done, newest first within; not mistaken for a call id', async () => {
  const caller = `137${process.pid}`.slice(0, 11);
  const t = Date.parse('2025-11-22T10:00:00.000Z');
  const doneOld = await insertAbandonedCall(h.deps.sql, new Date(t), 4000, 'done', caller);
  const openOld = await insertAbandonedCall(h.deps.sql, new Date(t + 1000), 7000, 'open', caller);
  const claimed = await insertAbandonedCall(h.deps.sql, new Date(t + 2000), 3000, 'claimed', caller);
  const openNew = await insertAbandonedCall(h.deps.sql, new Date(t + 3000), 12_000, 'open', caller);
  const res = await h.app.inject({ url: `/v1/calls/abandoned?from=${new Date(t).toISOString()}&to=${new Date(t + 3_600_000).toISOString()}`, headers: bearer(h.admin) });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json() as { items: Array<{ call_id: string; status: string; wait_ms: number; caller_number: string; queue_id: string; abandoned_at: string }>; total: number };
  assert.deepEqual(body.items.map((i) => i.call_id), [openNew.id, openOld.id, claimed.id, doneOld.id]);
  assert.equal(body.total, 4);
  assert.deepEqual([body.items[0].status, body.items[0].wait_ms, body.items[0].caller_number, body.items[0].queue_id], ['open', 12_000, caller, 'city-main']);
  assert.equal(body.items[0].abandoned_at, new Date(t + 3000 + 12_000).toISOString());
  const open = await h.app.inject({ url: `/v1/calls/abandoned?status=open&from=${new Date(t).toISOString()}&to=${new Date(t + 3_600_000).toISOString()}`, headers: bearer(h.admin) });
  assert.deepEqual(open.json().items.map((i: { call_id: string }) => i.call_id), [openNew.id, openOld.id]);
});

test('dispatchers, QA and supervisors read calls; a token is required', async () => {
  const call = await insertAnsweredCall(h.deps.sql, new Date(), seats);
  for (const roles of [['dispatcher'], ['qa'], ['supervisor']]) {
    const s = await personWith(h.app, h.admin, roles);
    const res = await h.app.inject({ url: `/v1/calls/${call.id}`, headers: bearer(s) });
    assert.equal(res.statusCode, 200, `${roles}: ${res.body}`);
  }
  const anon = await h.app.inject({ url: '/v1/calls' });
  assert.equal(anon.statusCode, 401);
});

test('the OpenAPI document has the read-side routes; the WAV routes are documented as audio/wav with 206 and 416', async () => {
  const res = await h.app.inject({ url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  const paths = res.json().paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
  for (const p of ['/v1/calls', '/v1/calls/abandoned', '/v1/calls/{id}', '/v1/calls/{id}/recording', '/v1/calls/{id}/recording/meta',
    '/v1/recordings/{id}', '/v1/recordings/{id}/audio', '/v1/events', '/v1/events/schema', '/v1/alarms']) {
    assert.ok(paths[p]?.get, `GET ${p} is documented`);
  }
  const audio = paths['/v1/recordings/{id}/audio'].get.responses;
  assert.ok(audio['200'].content?.['audio/wav'] && audio['206'].content?.['audio/wav'] && audio['416']);
  assert.ok(paths['/v1/calls/{id}'].get.responses['200'].content?.['application/json']);
  assert.equal(paths['/v1/events/ws'], undefined, 'the WebSocket is documented in docs/events.md, not as an HTTP operation');
});

test('every read-side route was registered with a response schema (no warning from buildServer)', () => {
  const warnings = h.log.lines.filter((l) => l.msg?.startsWith('route without a response schema'));
  assert.deepEqual(warnings, []);
});
