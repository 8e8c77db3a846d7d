/**
 * The QA leftovers' APIs against real PostgreSQL/Redis: the dispatch system (a supervisor account)
 * attaches an incident id to a call (audited, idempotent, coded errors, dispatchers refused) and the
 * recording is found by it; recording search names the dispatcher and the conversion's flags and filters
 * by flag; tags on an unknown recording are a coded 404; the form's objective items for a call come from
 * the server's scoring (what the QA page shows before the first save).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, ensureSeat, makeCall, personWith, seatSession, startQaSide, type QaSide, type Session } from './support/qa-side.ts';

let side: QaSide;
let qa: Session;
let sup: Session;
let disp: Session;
const T0 = new Date('2026-04-07T02:00:00Z');

before(async () => {
  side = await startQaSide('qa-incident');
  qa = await personWith(side.app, side.admin, ['qa']);
  sup = await personWith(side.app, side.admin, ['supervisor']);
  disp = await personWith(side.app, side.admin, ['dispatcher']);
  await ensureSeat(side.deps.sql, 'qi-s1');
  await seatSession(side.deps.sql, 'qi-s1', disp.user.id, new Date(T0.getTime() - 3600_000));
});
after(async () => side?.close());

const inject = (s: Session, method: string, url: string, payload?: object) =>
  side.app.inject({ method: method as 'GET', url, headers: bearer(s), ...(payload ? { payload } : {}) });

test('CAD attaches an incident id to a call: audited once, found by incident_id, corrections audited, bad input and dispatchers refused', async () => {
  const call = await makeCall(side, { at: T0, seat: 'qi-s1', audioS: 2 });
  const put = await inject(sup, 'PUT', `/v1/calls/${call.id}/incident`, { incident_id: 'CAD-2026-000123' });
  assert.equal(put.statusCode, 200, put.body);
  assert.deepEqual(put.json(), { call_id: call.id, incident_id: 'CAD-2026-000123', recording_id: call.recording_id, changed: true });
  const again = await inject(sup, 'PUT', `/v1/calls/${call.id}/incident`, { incident_id: 'CAD-2026-000123' });
  assert.equal(again.json().changed, false, 'the same id again changes nothing');

  const found = await inject(qa, 'GET', '/v1/recordings?incident_id=CAD-2026-000123');
  assert.equal(found.statusCode, 200, found.body);
  const hits = found.json().items as Array<{ call_id: string; recording_id: string; incident_id: string; dispatcher_id: string; dispatcher_name: string; seat_id: string }>;
  assert.deepEqual(hits.map((h) => [h.call_id, h.recording_id, h.incident_id, h.seat_id, h.dispatcher_id]), [[call.id, call.recording_id, 'CAD-2026-000123', 'qi-s1', disp.user.id]]);
  assert.match(hits[0]!.dispatcher_name, /^测试 dispatcher-/);

  const fix = await inject(sup, 'PUT', `/v1/calls/${call.id}/incident`, { incident_id: 'CAD-2026-000124' });
  assert.equal(fix.json().changed, true);
  assert.equal((await inject(qa, 'GET', '/v1/recordings?incident_id=CAD-2026-000123')).json().items.length, 0);
  assert.equal((await inject(qa, 'GET', '/v1/recordings?incident_id=CAD-2026-000124')).json().items.length, 1);
  const audit = await side.deps.sql<{ actor_id: string; before: { incident_id: string | null }; after: { incident_id: string } }[]>`
    SELECT actor_id, before, after FROM audit_log WHERE action = 'call.incident_attached' AND target_id = ${call.id} ORDER BY id`;
  assert.deepEqual(audit.map((a) => [a.actor_id, a.before.incident_id, a.after.incident_id]),
    [[sup.user.id, null, 'CAD-2026-000123'], [sup.user.id, 'CAD-2026-000123', 'CAD-2026-000124']]);

  const bad = await inject(sup, 'PUT', `/v1/calls/${call.id}/incident`, { incident_id: 'has space' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'CTI_BAD_REQUEST');
  const unknown = await inject(sup, 'PUT', '/v1/calls/00000000-0000-4000-8000-000000000000/incident', { incident_id: 'CAD-1' });
  assert.equal(unknown.json().code, 'CTI_CALL_NOT_FOUND');
  const asDispatcher = await inject(disp, 'PUT', `/v1/calls/${call.id}/incident`, { incident_id: 'CAD-9' });
  assert.equal(asDispatcher.statusCode, 403);
  assert.equal(asDispatcher.json().code, 'CTI_FORBIDDEN');
});

test('search by flag finds only the recording the conversion flagged gap; its metadata lists the gap', async () => {
  const gapCall = await makeCall(side, { at: new Date(T0.getTime() + 60_000), seat: 'qi-s1', audioS: 2 });
  const clean = await makeCall(side, { at: new Date(T0.getTime() + 120_000), seat: 'qi-s1', audioS: 2 });
  const gaps = [{ channel: 'seat', start_ms: 500, end_ms: 4500 }];
  await side.deps.sql`UPDATE recordings SET flags = '{gap}', gaps = ${side.deps.sql.json(gaps)} WHERE id = ${gapCall.recording_id}`;
  const q = `from=${encodeURIComponent(T0.toISOString())}&to=${encodeURIComponent(new Date(T0.getTime() + 600_000).toISOString())}`;
  const all = (await inject(qa, 'GET', `/v1/recordings?${q}`)).json().items as Array<{ recording_id: string; flags: string[] }>;
  assert.deepEqual(new Map(all.map((h) => [h.recording_id, h.flags])).get(clean.recording_id!), []);
  const flagged = (await inject(qa, 'GET', `/v1/recordings?${q}&flag=gap`)).json().items as Array<{ recording_id: string; flags: string[] }>;
  assert.deepEqual(flagged.map((h) => [h.recording_id, h.flags]), [[gapCall.recording_id, ['gap']]]);
  const meta = await inject(qa, 'GET', `/v1/recordings/${gapCall.recording_id}`);
  assert.deepEqual([meta.json().flags, meta.json().gaps], [['gap'], gaps]);
  assert.equal((await inject(qa, 'GET', `/v1/recordings?flag=silence`)).json().code, 'CTI_BAD_REQUEST');
});

test('tags of an unknown recording are a coded 404; the objective items for a call come from the server\'s scoring', async () => {
  const none = await inject(qa, 'GET', '/v1/qa/recordings/00000000-0000-4000-8000-000000000000/tags');
  assert.equal(none.statusCode, 404);
  assert.equal(none.json().code, 'CTI_RECORDING_NOT_FOUND');

  const form = await inject(qa, 'POST', '/v1/qa/forms', {
    name: '客观项预览',
    items: [
      { key: 'ring', label: '振铃时间', kind: 'objective', weight: 10, min: 0, max: 10, metric: 'ring_s', bands: [{ up_to_s: 3, value: 10 }, { up_to_s: 6, value: 6 }], otherwise: 0 },
      { key: 'answer', label: '受理时间', kind: 'objective', weight: 10, min: 0, max: 10, metric: 'answer_s', bands: [{ up_to_s: 10, value: 10 }], otherwise: 2 },
      { key: 'manner', label: '语气态度', kind: 'subjective', weight: 80, min: 0, max: 5 },
    ],
  });
  assert.equal(form.statusCode, 201, form.body);
  const call = await makeCall(side, { at: new Date(T0.getTime() + 180_000), seat: 'qi-s1', ringMs: 4500, answerMs: 12_000 });
  const res = await inject(qa, 'GET', `/v1/qa/forms/${form.json().id}/objective?call_id=${call.id}`);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().answers.map((a: { key: string; value: number; measured_s: number; points: number; auto: boolean }) => [a.key, a.value, a.measured_s, a.points, a.auto]),
    [['ring', 6, 4.5, 6, true], ['answer', 2, 12, 2, true]]);
  assert.equal((await inject(disp, 'GET', `/v1/qa/forms/${form.json().id}/objective?call_id=${call.id}`)).statusCode, 403);
  assert.equal((await inject(qa, 'GET', `/v1/qa/forms/${form.json().id}/objective`)).json().code, 'CTI_BAD_REQUEST');
});

test('an integration account (the CAD) reads the call and attaches its incident, audited under its name; it has no other rights', async () => {
  const cad = await personWith(side.app, side.admin, ['integration']);
  const call = await makeCall(side, { at: new Date(T0.getTime() + 7200_000), seat: 'qi-s1', audioS: 1 });
  const read = await inject(cad, 'GET', `/v1/calls/${call.id}`);
  assert.equal(read.statusCode, 200, read.body);
  const put = await inject(cad, 'PUT', `/v1/calls/${call.id}/incident`, { incident_id: 'CAD-2026-009999' });
  assert.equal(put.statusCode, 200, put.body);
  const [audit] = await side.deps.sql<{ actor_id: string }[]>`
    SELECT actor_id::text AS actor_id FROM audit_log WHERE action = 'call.incident_attached' AND after->>'incident_id' = 'CAD-2026-009999'`;
  assert.equal(audit?.actor_id, cad.user.id, 'the change is audited as the CAD account');
  for (const [method, url] of [['GET', '/v1/recordings'], ['GET', '/v1/qa/forms'], ['GET', '/v1/alarms'], ['GET', `/v1/calls/${call.id}/recording`]] as const) {
    const res = await inject(cad, method, url);
    assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
    assert.equal(res.json().code, 'CTI_FORBIDDEN');
  }
});
