import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, ensureSeat, makeCall, personWith, seatSession, startQaSide, type QaSide, type Session } from './support/qa-side.ts';

let side: QaSide;
let qa: Session;
let sup: Session;
let dA: Session;
let dB: Session;
const T0 = new Date('2026-03-02T01:00:00Z');

const form = {
  name: '调度评分表 2026',
  items: [
    { key: 'ring', label: '振铃时间', kind: 'objective', weight: 10, min: 0, max: 10, metric: 'ring_s', bands: [{ up_to_s: 3, value: 10 }, { up_to_s: 6, value: 6 }, { up_to_s: 10, value: 2 }], otherwise: 0 },
    { key: 'answer', label: '受理时间', kind: 'objective', weight: 10, min: 0, max: 10, metric: 'answer_s', bands: [{ up_to_s: 10, value: 10 }, { up_to_s: 20, value: 5 }] },
    { key: 'info', label: '信息填报质量', kind: 'subjective', weight: 40, min: 0, max: 5 },
    { key: 'manner', label: '语气态度', kind: 'subjective', weight: 40, min: 0, max: 5 },
  ],
  grades: { excellent: 90, good: 80, fair: 60 },
};

before(async () => {
  side = await startQaSide('qa-flow');
  qa = await personWith(side.app, side.admin, ['qa']);
  sup = await personWith(side.app, side.admin, ['supervisor']);
  dA = await personWith(side.app, side.admin, ['dispatcher']);
  dB = await personWith(side.app, side.admin, ['dispatcher']);
  for (const s of ['qa-s1', 'qa-s2']) await ensureSeat(side.deps.sql, s);
  await seatSession(side.deps.sql, 'qa-s1', dA.user.id, new Date(T0.getTime() - 3600_000));
  await seatSession(side.deps.sql, 'qa-s2', dB.user.id, new Date(T0.getTime() - 3600_000));
});
after(async () => side?.close());

const inject = (s: Session, method: string, url: string, payload?: object) =>
  side.app.inject({ method: method as 'GET', url, headers: bearer(s), ...(payload ? { payload } : {}) });

test('form -> review (objective items from timings) -> final -> dispatcher reads and replies -> score cards -> CSV and xlsx, all audited', async () => {
  const created = await inject(qa, 'POST', '/v1/qa/forms', form);
  assert.equal(created.statusCode, 201, created.body);
  const f = created.json() as { id: string; in_use: boolean };
  assert.equal(f.in_use, false);

  // Dispatcher A: two calls (ring 3 s / answer 5 s, and ring 7 s / answer 15 s); dispatcher B: one (ring 2 s / answer 4 s).
  const a1 = await makeCall(side, { at: T0, seat: 'qa-s1', ringMs: 3000, answerMs: 5000 });
  const a2 = await makeCall(side, { at: new Date(T0.getTime() + 600_000), seat: 'qa-s1', ringMs: 7000, answerMs: 15_000 });
  const b1 = await makeCall(side, { at: new Date(T0.getTime() + 900_000), seat: 'qa-s2', ringMs: 2000, answerMs: 4000 });

  const r1 = await inject(qa, 'POST', '/v1/qa/reviews', { call_id: a1.id, form_id: f.id, answers: [{ key: 'info', value: 4 }], comment: '信息基本完整' });
  assert.equal(r1.statusCode, 201, r1.body);
  const review1 = r1.json() as { id: string; status: string; dispatcher_id: string; seat_id: string; answers: Array<{ key: string; value: number | null; auto: boolean; measured_s: number }>; score: number };
  assert.equal(review1.status, 'draft');
  assert.equal(review1.dispatcher_id, dA.user.id, 'the dispatcher logged in at the answering seat');
  assert.deepEqual(review1.answers.filter((a) => a.auto).map((a) => [a.key, a.value, a.measured_s]), [['ring', 10, 3], ['answer', 10, 5]]);
  assert.equal(review1.score, 52);

  // Finalising without every subjective item is refused; with them it is final, then immutable.
  assert.equal((await inject(qa, 'PATCH', `/v1/qa/reviews/${review1.id}`, { final: true })).json().code, 'CTI_QA_ANSWER_INVALID');
  const fin = await inject(qa, 'PATCH', `/v1/qa/reviews/${review1.id}`, { answers: [{ key: 'info', value: 4 }, { key: 'manner', value: 5 }], final: true });
  assert.equal(fin.statusCode, 200, fin.body);
  assert.equal(fin.json().score, 92);
  assert.equal(fin.json().grade, '优');
  assert.equal((await inject(qa, 'PATCH', `/v1/qa/reviews/${review1.id}`, { comment: 'x' })).json().code, 'CTI_QA_REVIEW_FINAL');

  const r2 = await inject(sup, 'POST', '/v1/qa/reviews', { call_id: a2.id, form_id: f.id, answers: [{ key: 'info', value: 3 }, { key: 'manner', value: 3 }], final: true });
  assert.equal(r2.statusCode, 201, r2.body);
  // ring 7 s -> 2/10 (2 points), answer 15 s -> 5/10 (5), 3/5 (24), 3/5 (24) = 55 -> 差
  assert.equal(r2.json().score, 55);
  assert.equal(r2.json().grade, '差');
  const r3 = await inject(qa, 'POST', '/v1/qa/reviews', { call_id: b1.id, form_id: f.id, answers: [{ key: 'info', value: 4 }, { key: 'manner', value: 4 }], final: true });
  assert.equal(r3.json().score, 84);
  assert.equal((await inject(qa, 'POST', '/v1/qa/reviews', { call_id: b1.id, form_id: f.id, answers: [] })).statusCode, 409, 'one review per call and form');

  // The form's items are now fixed; its thresholds can still change.
  assert.equal((await inject(qa, 'PATCH', `/v1/qa/forms/${f.id}`, { items: form.items.slice(1) })).json().code, 'CTI_QA_FORM_IN_USE');

  // Dispatchers: A sees only A's final reviews; B cannot read A's; dispatchers cannot score.
  const mine = await inject(dA, 'GET', '/v1/qa/reviews');
  assert.equal(mine.statusCode, 200, mine.body);
  assert.deepEqual((mine.json().items as Array<{ id: string }>).map((r) => r.id).sort(), [review1.id, r2.json().id].sort());
  assert.equal((await inject(dB, 'GET', `/v1/qa/reviews/${review1.id}`)).json().code, 'CTI_QA_NOT_YOURS');
  assert.equal((await inject(dA, 'POST', '/v1/qa/reviews', { call_id: a1.id, form_id: f.id, answers: [] })).statusCode, 403);
  const reply = await inject(dA, 'PUT', `/v1/qa/reviews/${review1.id}/dispatcher-comment`, { comment: '已知悉，继续保持' });
  assert.equal(reply.statusCode, 200, reply.body);
  assert.equal(reply.json().dispatcher_comment, '已知悉，继续保持');
  assert.equal((await inject(dB, 'PUT', `/v1/qa/reviews/${review1.id}/dispatcher-comment`, { comment: 'no' })).json().code, 'CTI_QA_NOT_YOURS');

  // Score cards: A averages (92 + 55) / 2 = 73.5 -> 中; B 84 -> 良; team (92 + 55 + 84) / 3 = 77 -> 中.
  const period = `from=${encodeURIComponent('2026-03-01T00:00:00Z')}&to=${encodeURIComponent('2026-04-01T00:00:00Z')}`;
  const cards = await inject(sup, 'GET', `/v1/qa/forms/${f.id}/scorecards?${period}`);
  assert.equal(cards.statusCode, 200, cards.body);
  const c = cards.json() as { dispatchers: Array<{ dispatcher_id: string; reviews: number; average: number; grade: string; items: Record<string, number> }>; team: { reviews: number; average: number; grade: string; dispatchers: number } };
  assert.deepEqual(c.dispatchers.map((d) => [d.dispatcher_id, d.reviews, d.average, d.grade]), [[dB.user.id, 1, 84, '良'], [dA.user.id, 2, 73.5, '中']]);
  assert.deepEqual(c.dispatchers[1].items, { ring: 6, answer: 7.5, info: 28, manner: 32 });
  assert.deepEqual([c.team.reviews, c.team.average, c.team.grade, c.team.dispatchers], [3, 77, '中', 2]);
  const own = (await inject(dB, 'GET', `/v1/qa/forms/${f.id}/scorecards?${period}`)).json() as typeof c;
  assert.deepEqual(own.dispatchers.map((d) => d.dispatcher_id), [dB.user.id], 'a dispatcher gets their own line and the team');
  assert.equal(own.team.average, 77);

  // CSV with a BOM, and a real .xlsx package.
  const csvRes = await inject(sup, 'GET', `/v1/qa/forms/${f.id}/export?${period}&format=csv`);
  assert.equal(csvRes.statusCode, 200);
  assert.match(String(csvRes.headers['content-type']), /text\/csv/);
  const csvBody = csvRes.rawPayload;
  assert.deepEqual([...csvBody.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const lines = csvBody.subarray(3).toString('utf8').trim().split('\r\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^调度员,调度员ID,评分次数,平均分,等级/);
  assert.match(lines[3], /^团队平均,,3,77,中/);
  const detail = (await inject(sup, 'GET', `/v1/qa/forms/${f.id}/export?${period}&format=csv&sheet=reviews`)).rawPayload.subarray(3).toString('utf8');
  assert.equal(detail.trim().split('\r\n').length, 4);
  assert.match(detail, /已知悉，继续保持/);

  const x = await inject(sup, 'GET', `/v1/qa/forms/${f.id}/export?${period}&format=xlsx`);
  assert.equal(x.statusCode, 200);
  assert.equal(x.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const dir = mkdtempSync(join(tmpdir(), 'cti-xlsx-'));
  try {
    writeFileSync(join(dir, 'q.xlsx'), x.rawPayload);
    assert.match(execFileSync('unzip', ['-t', join(dir, 'q.xlsx')], { encoding: 'utf8' }), /No errors detected/);
    const parsed = execFileSync('python3', ['-c', `
import sys, zipfile, xml.etree.ElementTree as ET
z = zipfile.ZipFile(sys.argv[1])
ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
for n in z.namelist():
    ET.fromstring(z.read(n))
wb = ET.fromstring(z.read('xl/workbook.xml'))
print('|'.join(s.get('name') for s in wb.find('m:sheets', ns)))
sh = ET.fromstring(z.read('xl/worksheets/sheet1.xml'))
rows = sh.find('m:sheetData', ns)
print(len(rows))
last = rows[-1]
print('|'.join((c.findtext('m:is/m:t', default='', namespaces=ns) or c.findtext('m:v', default='', namespaces=ns)) for c in last))
`, join(dir, 'q.xlsx')], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(parsed[0], '成绩单|评分明细');
    assert.equal(parsed[1], '4');
    assert.match(parsed[2], /^团队平均\|\|3\|77\|中/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Every change is in the audit log.
  const actions = (await side.deps.sql<{ action: string }[]>`SELECT action FROM audit_log WHERE target_type IN ('qa_form','qa_review') OR action = 'qa.exported' ORDER BY id`).map((r) => r.action);
  for (const a of ['qa_form.created', 'qa_review.created', 'qa_review.finalised', 'qa_review.dispatcher_commented', 'qa.exported']) assert.ok(actions.includes(a), `${a} in ${actions.join(',')}`);
});

test('bad input changes nothing: an invalid form, an unanswered call, a score outside the scale', async () => {
  const bad = await inject(qa, 'POST', '/v1/qa/forms', { ...form, name: 'bad', grades: { excellent: 50, good: 80, fair: 60 } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'CTI_QA_FORM_INVALID');
  const f = (await inject(qa, 'POST', '/v1/qa/forms', { ...form, name: '第二表' })).json() as { id: string };
  const [unanswered] = await side.deps.sql<{ id: string }[]>`
    INSERT INTO calls (centre_id, sip_call_id, state, arrived_at, ended_at) VALUES ('city', ${`ab-${process.pid}`}, 'abandoned', now(), now()) RETURNING id`;
  assert.equal((await inject(qa, 'POST', '/v1/qa/reviews', { call_id: unanswered.id, form_id: f.id, answers: [] })).json().code, 'CTI_QA_CALL_NOT_SCORABLE');
  const call = await makeCall(side, { at: T0, seat: 'qa-s1' });
  const r = await inject(qa, 'POST', '/v1/qa/reviews', { call_id: call.id, form_id: f.id, answers: [{ key: 'info', value: 9 }, { key: 'ring', value: 1 }] });
  assert.equal(r.statusCode, 400);
  assert.equal((r.json().details as { problems: string[] }).problems.length, 2);
  const [{ n }] = await side.deps.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM qa_reviews WHERE call_id = ${call.id}`;
  assert.equal(n, 0);
});
