/**
 * Centre scoping (issue 15, docs/api.md "Centre scoping"): two county centres' rows side by side, the API built
 * in-process with the read-side plugins, and every GET route of the OpenAPI document walked as a county
 * dispatcher and a county supervisor of county A: no row of county B comes back. Routes with path parameters are
 * asked for county B's resources and must answer 403/404; a changing route on county B's call changes nothing.
 * The city centre's supervisor sees both counties (the positive side, so a walker that sees nothing cannot pass).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { alarmsRoutes } from '../../../control/src/api/routes/alarms.ts';
import { callsRoutes } from '../../../control/src/api/routes/calls.ts';
import { linkageRoutes } from '../../../control/src/api/routes/linkage.ts';
import { qaRoutes } from '../../../control/src/api/routes/qa.ts';
import { queuesRoutes } from '../../../control/src/api/routes/queues.ts';
import { recordingsSearchRoutes } from '../../../control/src/api/routes/recordings-search.ts';
import { recordingsRoutes } from '../../../control/src/api/routes/recordings.ts';
import { screeningRoutes } from '../../../control/src/api/routes/screening.ts';
import { statsRoutes } from '../../../control/src/api/routes/stats.ts';
import { DEFAULT_GRADES } from '../../../control/src/qa/form.ts';
import { ADMIN_PASSWORD, bearer, loginAs, personWith, startHarness, type Harness, type Session } from './support/harness.ts';

/**
 * GET routes that still return other centres' rows (open leaks, listed in docs/api.md "Centre scoping"). The walker
 * fails on a leak of any route not listed here, and on a listed route that no longer leaks (so the list only shrinks).
 */
const OPEN_LEAKS = new Set<string>([]);
/**
 * Routes with a path parameter the walker does not ask for the other county's resource yet: their required query
 * (a period, a call) is not filled generically and their stores do not take the scope yet (open, docs/api.md).
 */
const NOT_WALKED = new Set<string>(['/v1/qa/forms/{id}/objective', '/v1/qa/forms/{id}/scorecards', '/v1/qa/forms/{id}/export']);

let h: Harness;
const as: Record<string, Session> = {};
const A = 'walk-county-a';
const B = 'walk-county-b';
interface Seeded { callId: string; sipCallId: string; recordingId: string; caller: string; queue: string; entry: string; form: string; review: string; seat: string }
const seeded: Record<string, Seeded> = {};

async function seedCentre(centre: string, n: number): Promise<Seeded> {
  const sql = h.deps.sql;
  const queue = `${centre}-q`;
  const caller = `1399999000${n}`;
  const sipCallId = `walk-${randomUUID()}`;
  await sql`INSERT INTO centres (id, name) VALUES (${centre}, ${`县${n}`})`;
  await sql`INSERT INTO queues (id, centre_id, name) VALUES (${queue}, ${centre}, ${`队列${n}`})`;
  const [call] = await sql<{ id: string }[]>`
    INSERT INTO calls (centre_id, sip_call_id, caller_number, called_number, queue_id, state, arrived_at, queued_at, ended_at, ended_by, end_reason)
    VALUES (${centre}, ${sipCallId}, ${caller}, '120', ${queue}, 'abandoned', now() - interval '1 minute', now() - interval '1 minute', now(), 'caller', 'abandoned')
    RETURNING id::text AS id`;
  const [rec] = await sql<{ id: string }[]>`
    INSERT INTO recordings (call_id, sip_call_id, centre_id, status) VALUES (${call.id}, ${sipCallId}, ${centre}, 'missing') RETURNING id::text AS id`;
  await sql`INSERT INTO abandoned_calls (call_id, centre_id, queue_id, caller_number, wait_ms, abandoned_at, status)
            VALUES (${call.id}, ${centre}, ${queue}, ${caller}, 60000, now(), 'open')`;
  const [entry] = await sql<{ id: string }[]>`
    INSERT INTO screening_entries (centre_id, list, match, number, reason, author_name)
    VALUES (${centre}, 'watch', 'exact', ${caller}, 'walker', 'walker') RETURNING id::text AS id`;
  const [form] = await sql<{ id: string }[]>`
    INSERT INTO qa_forms (centre_id, name, items, grades)
    VALUES (${centre}, ${`评分表${n}`}, '[]', ${sql.json(DEFAULT_GRADES as never)}) RETURNING id::text AS id`;
  const [review] = await sql<{ id: string }[]>`
    INSERT INTO qa_reviews (centre_id, call_id, recording_id, form_id, reviewer_id, call_arrived_at, status, answers, score, grade, finalised_at)
    VALUES (${centre}, ${call.id}, ${rec.id}, ${form.id}, (SELECT id FROM users WHERE username = 'admin'), now(), 'final', '[]', 90, '优', now())
    RETURNING id::text AS id`;
  const seat = `${centre}-seat`;
  await sql`INSERT INTO seats (id, centre_id, display_name, sip_username, sip_domain, ha1, ha1b, queues)
            VALUES (${seat}, ${centre}, ${`席位${n}`}, ${seat}, 'walk.invalid', 'x', 'x', ${sql.array([queue])})`;
  return { callId: call.id, sipCallId, recordingId: rec.id, caller, queue, entry: entry.id, form: form.id, review: review.id, seat };
}

before(async () => {
  h = await startHarness('api-scoping', {
    plugins: (deps) => [callsRoutes(deps), recordingsRoutes(deps), recordingsSearchRoutes(deps), qaRoutes(deps), screeningRoutes(deps),
      queuesRoutes(deps), statsRoutes(deps), alarmsRoutes(deps), linkageRoutes(deps)],
  });
  seeded.a = await seedCentre(A, 1);
  seeded.b = await seedCentre(B, 2);
  as.admin = await loginAs(h.app, 'admin', ADMIN_PASSWORD);
  as.dispatcher = await personWith(h.app, as.admin, ['dispatcher'], A);
  as.supervisor = await personWith(h.app, as.admin, ['supervisor'], A);
  as.citySupervisor = await personWith(h.app, as.admin, ['supervisor'], 'city');
});
after(async () => { await h?.close(); });

/** What of county B a body would show if it leaked: its ids, its caller number, its centre, its queue, form, review, seat. */
function leaksOf(body: string, s: Seeded = seeded.b): string[] {
  return [s.callId, s.sipCallId, s.recordingId, s.caller, B, s.queue, s.entry, s.form, s.review, s.seat].filter((m) => body.includes(m));
}

async function get(who: Session, url: string) {
  return h.app.inject({ method: 'GET', url, headers: bearer(who) });
}

async function openApiPaths(): Promise<Record<string, Record<string, unknown>>> {
  const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  return (res.json() as { paths: Record<string, Record<string, unknown>> }).paths;
}

/** County B's resource for a path parameter, by the route's place (undefined: the walker cannot fill it). */
function otherCentreParam(path: string, name: string): string | undefined {
  if (name === 'centre' || path.startsWith('/v1/centres/')) return B;
  if (name === 'day') return new Date().toISOString().slice(0, 10);
  if (name !== 'id') return undefined;
  if (path.startsWith('/v1/centres/')) return B;
  if (path.startsWith('/v1/calls/')) return seeded.b.callId;
  if (path.startsWith('/v1/recordings/') || path.startsWith('/v1/qa/recordings/')) return seeded.b.recordingId;
  if (path.startsWith('/v1/screening/entries/')) return seeded.b.entry;
  if (path.startsWith('/v1/queues/')) return seeded.b.queue;
  if (path.startsWith('/v1/qa/forms/')) return seeded.b.form;
  if (path.startsWith('/v1/qa/reviews/')) return seeded.b.review;
  if (path.startsWith('/v1/seats/')) return seeded.b.seat;
  return undefined;
}

test('the city supervisor sees both counties (the walker\'s markers are real)', async () => {
  const calls = await get(as.citySupervisor, '/v1/calls?limit=200');
  assert.equal(calls.statusCode, 200, calls.body);
  assert.ok(calls.body.includes(seeded.a.callId) && calls.body.includes(seeded.b.callId), 'both counties\' calls');
  const own = await get(as.dispatcher, '/v1/calls?limit=200');
  assert.ok(own.body.includes(seeded.a.callId), 'the county dispatcher sees its own call');
  const abandoned = await get(as.supervisor, '/v1/calls/abandoned');
  assert.ok(abandoned.body.includes(seeded.a.callId), 'the county supervisor sees its own abandoned call');
});

test('every GET route without parameters, as a county dispatcher and supervisor: no row of the other county', async () => {
  const paths = await openApiPaths();
  const leaking = new Map<string, string[]>();
  let walked = 0;
  for (const [path, ops] of Object.entries(paths)) {
    if (!('get' in ops) || path.includes('{')) continue;
    for (const role of ['dispatcher', 'supervisor']) {
      const res = await get(as[role], path);
      walked++;
      const found = res.statusCode < 300 ? leaksOf(res.body) : [];
      if (found.length > 0) leaking.set(path, [...(leaking.get(path) ?? []), `${role}: ${found.join(', ')}`]);
    }
  }
  assert.ok(walked >= 20, `walked ${walked} GETs`);
  const unexpected = [...leaking].filter(([p]) => !OPEN_LEAKS.has(p));
  assert.deepEqual(unexpected, [], 'routes that return another centre\'s rows');
  const fixed = [...OPEN_LEAKS].filter((p) => !leaking.has(p));
  assert.deepEqual(fixed, [], 'listed as open leaks but no longer leaking: remove them from OPEN_LEAKS');
});

test('every GET route with a path parameter, asked for the other county\'s resource: 403/404, nothing of it shown', async () => {
  const paths = await openApiPaths();
  const problems: string[] = [];
  let walked = 0;
  for (const [path, ops] of Object.entries(paths)) {
    if (!('get' in ops) || !path.includes('{') || NOT_WALKED.has(path)) continue;
    let url = path;
    let fillable = true;
    for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
      const v = otherCentreParam(path, name);
      if (v === undefined) fillable = false;
      else url = url.replace(`{${name}}`, encodeURIComponent(v));
    }
    if (!fillable) continue;
    for (const role of ['dispatcher', 'supervisor']) {
      const res = await get(as[role], url);
      walked++;
      if (res.statusCode < 400) problems.push(`${role} GET ${url}: ${res.statusCode} ${leaksOf(res.body).join(', ')}`);
      else if (res.statusCode !== 403 && res.statusCode !== 404) problems.push(`${role} GET ${url}: ${res.statusCode} ${res.body}`);
      else assert.match(res.body, /"code":"CTI_/);
    }
  }
  assert.ok(walked >= 10, `walked ${walked} GETs`);
  assert.deepEqual(problems, [], 'another centre\'s resource answered');
});

test('a ?centre_id= of the other county is 403 CTI_CENTRE_OUT_OF_SCOPE; the city supervisor may name it', async () => {
  for (const url of [`/v1/recordings?centre_id=${B}`, `/v1/stats/service-level?centre_id=${B}`]) {
    const res = await get(as.supervisor, url);
    assert.equal(res.statusCode, 403, `${url}: ${res.body}`);
    assert.equal((res.json() as { code: string }).code, 'CTI_CENTRE_OUT_OF_SCOPE');
    const city = await get(as.citySupervisor, url);
    assert.equal(city.statusCode, 200, `${url} as the city supervisor: ${city.body}`);
  }
});

test('attaching an incident to the other county\'s call: 404, the call unchanged, nothing audited', async () => {
  const res = await h.app.inject({
    method: 'PUT', url: `/v1/calls/${seeded.b.callId}/incident`, headers: bearer(as.supervisor), payload: { incident_id: 'INC-WALK-1' },
  });
  assert.equal(res.statusCode, 404, res.body);
  assert.equal((res.json() as { code: string }).code, 'CTI_CALL_NOT_FOUND');
  const [row] = await h.deps.sql<{ incident_id: string | null }[]>`SELECT incident_id FROM calls WHERE id = ${seeded.b.callId}`;
  assert.equal(row.incident_id, null);
  const audits = await h.deps.sql`SELECT 1 FROM audit_log WHERE target_id = ${seeded.b.callId}`;
  assert.equal(audits.length, 0);
});

test('centres API: an admin adds and renames a centre (audited); a duplicate is 409, county staff cannot change centres', async () => {
  const id = `walk-county-c-${process.pid}`;
  const add = await h.app.inject({ method: 'POST', url: '/v1/centres', headers: bearer(as.admin), payload: { id, name: '丙县120', callback_number: '07720000000' } });
  assert.equal(add.statusCode, 201, add.body);
  const again = await h.app.inject({ method: 'POST', url: '/v1/centres', headers: bearer(as.admin), payload: { id, name: '重复' } });
  assert.equal(again.statusCode, 409, again.body);
  const renamed = await h.app.inject({ method: 'PATCH', url: `/v1/centres/${id}`, headers: bearer(as.admin), payload: { name: '丙县急救中心' } });
  assert.equal(renamed.statusCode, 200, renamed.body);
  assert.equal((renamed.json() as { name: string }).name, '丙县急救中心');
  const audits = await h.deps.sql<{ action: string }[]>`SELECT action FROM audit_log WHERE target_type = 'centre' AND target_id = ${id} ORDER BY id`;
  assert.deepEqual(audits.map((a) => a.action), ['centre.created', 'centre.updated']);
  const byCounty = await h.app.inject({ method: 'PATCH', url: `/v1/centres/${A}`, headers: bearer(as.supervisor), payload: { name: '改名' } });
  assert.equal(byCounty.statusCode, 403, byCounty.body);
  const missing = await h.app.inject({ method: 'PATCH', url: '/v1/centres/no-such-centre', headers: bearer(as.admin), payload: { name: '无' } });
  assert.equal((missing.json() as { code: string }).code, 'CTI_CENTRE_NOT_FOUND');
  const own = await get(as.dispatcher, '/v1/centres');
  assert.deepEqual((own.json() as { items: { id: string }[] }).items.map((c) => c.id), [A]);
  const all = await get(as.citySupervisor, '/v1/centres');
  const ids = (all.json() as { items: { id: string }[] }).items.map((c) => c.id);
  assert.ok(ids.includes(A) && ids.includes(B) && ids.includes(id) && ids.includes('city'), ids.join(','));
});
