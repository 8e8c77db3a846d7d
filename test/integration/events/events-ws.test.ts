/**
 * The event WebSocket and HTTP replay against a real Redis stream and a listening server:
 * replay after a stream id then live, with events published during the replay (no gap, no duplicate);
 * type filters; 401 without a token; heartbeat pings; the HTTP page and the schema document.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { EVENT_STREAM } from '../../../control/src/events/bus.ts';
import { EVENT_TYPES } from '../../../control/src/events/schema.ts';
import { bearer, personWith, startReadSide, type ReadSide } from './support/read-side.ts';

let h: ReadSide;
let base: string;

before(async () => {
  h = await startReadSide('events-ws', { heartbeatMs: 300 });
  const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = address.replace(/^http/, 'ws');
});
after(async () => h?.close());

interface Frame { stream_id: string; event: { id: string; type: string; data: Record<string, unknown> } }

const seatEvent = (seat: string) => h.deps.bus.publish('seat.registration_changed.v1', { seat_id: seat, registered: true, contacts: 1 });
const alarmEvent = () => h.deps.bus.publish('alarm.cleared.v1', { alarm_id: '1', type: 'test_alarm', subject: randomUUID() });

/** Opens the socket and collects its frames; resolves once open. */
async function connect(query: string): Promise<{ ws: WebSocket; frames: Frame[]; pings: () => number }> {
  const ws = new WebSocket(`${base}/v1/events/ws?${query}`);
  const frames: Frame[] = [];
  let pings = 0;
  ws.on('message', (m) => frames.push(JSON.parse(String(m)) as Frame));
  ws.on('ping', () => pings++);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames, pings: () => pings };
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The HTTP status a WebSocket upgrade is answered with (101 if it opened). */
async function upgradeStatus(query: string): Promise<number> {
  const ws = new WebSocket(`${base}/v1/events/ws${query}`);
  const errors: Error[] = [];
  ws.on('error', (e) => errors.push(e));
  const status = await new Promise<number>((resolve) => {
    ws.once('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.once('open', () => {
      resolve(101);
      ws.close();
    });
  });
  return status;
}

test('without a token the upgrade is refused with 401', async () => {
  assert.equal(await upgradeStatus(''), 401);
  assert.equal(await upgradeStatus('?token=not-a-session'), 401);
});

test('a bad since or types is 400 before the upgrade', async () => {
  assert.equal(await upgradeStatus(`?token=${h.admin.token}&since=yesterday`), 400);
  assert.equal(await upgradeStatus(`?token=${h.admin.token}&types=CALL`), 400);
  assert.equal(await upgradeStatus(`?token=${h.admin.token}&since=0`), 101);
});

test('since=<id>: the stream after that id, then live, while events keep arriving: each exactly once, in order', async () => {
  const first = await seatEvent('replay-0');
  for (let i = 1; i <= 600; i++) await seatEvent(`replay-${i}`); // more than one replay page
  // Publish during the connection and its replay, and after it.
  const burst = (async () => {
    for (let i = 0; i < 300; i++) await seatEvent(`during-${i}`);
  })();
  const { ws, frames } = await connect(`token=${h.admin.token}&since=${first}`);
  await burst;
  const last = await seatEvent('after');
  await until(() => frames.some((f) => f.stream_id === last), 'the last live event');
  ws.close();
  const expected = (await h.deps.redis.xrange(EVENT_STREAM, `(${first}`, last)).map(([id]) => id);
  assert.equal(expected.length, 901);
  assert.deepEqual(frames.map((f) => f.stream_id), expected);
  assert.equal(new Set(frames.map((f) => f.event.id)).size, frames.length);
});

test('without since: live only; ?types= keeps only the named types and prefixes', async () => {
  const before = await seatEvent('before-connect');
  const { ws, frames } = await connect(`token=${h.admin.token}&types=alarm.*,seat.registration_changed.v1`);
  const call = await h.deps.bus.publish('call.queued.v1', { call_id: randomUUID(), queue_id: 'city-main', priority: 5, requeued: false, reason: null });
  const alarm = await alarmEvent();
  const seat = await seatEvent('live');
  await until(() => frames.some((f) => f.stream_id === seat), 'the seat event');
  ws.close();
  const ids = frames.map((f) => f.stream_id);
  assert.ok(!ids.includes(before) && !ids.includes(call));
  assert.deepEqual(ids, [alarm, seat]);
});

test('a dispatcher may follow events; the server pings every heartbeat', async () => {
  const d = await personWith(h.app, h.admin, ['dispatcher']);
  const { ws, pings } = await connect(`token=${d.token}`);
  await until(() => pings() >= 2, 'two pings', 3000);
  assert.equal(ws.readyState, WebSocket.OPEN, 'the client answered the pings, so it stays connected');
  ws.close();
});

test('HTTP: a page after since, continued with last_id; without since the newest events; the type filter', async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await seatEvent(`http-${i}`));
  const get = async (q: string) => {
    const res = await h.app.inject({ url: `/v1/events?${q}`, headers: bearer(h.admin) });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { items: Frame[]; last_id: string | null };
  };
  const p1 = await get(`since=${ids[0]}&limit=2`);
  assert.deepEqual(p1.items.map((f) => f.stream_id), ids.slice(1, 3));
  assert.equal(p1.items[0].event.data.seat_id, 'http-1');
  const p2 = await get(`since=${p1.last_id}&limit=10`);
  assert.deepEqual(p2.items.map((f) => f.stream_id), ids.slice(3));
  const newest = await get('limit=3');
  assert.deepEqual(newest.items.map((f) => f.stream_id), ids.slice(2));
  const filtered = await get(`since=${ids[0]}&types=call.*`);
  assert.deepEqual(filtered.items, []);
  assert.equal(filtered.last_id, ids[4], 'last_id moves past filtered-out events');
  const empty = await get(`since=${ids[4]}`);
  assert.deepEqual([empty.items, empty.last_id], [[], ids[4]]);
});

test('the schema document names the stream and holds a JSON Schema for every event type', async () => {
  const res = await h.app.inject({ url: '/v1/events/schema', headers: bearer(h.admin) });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.stream, 'cti:events');
  assert.deepEqual(Object.keys(body.types).sort(), [...EVENT_TYPES].sort());
  assert.deepEqual(body.types['call.ended.v1'].required, ['call_id', 'ended_by', 'reason', 'answered_seat_id', 'talk_ms']);
  assert.deepEqual(body.envelope.required, ['id', 'type', 'at', 'centre_id', 'data']);
});
