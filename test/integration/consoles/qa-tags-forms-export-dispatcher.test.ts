/**
 * The QA console's leftovers in headless Chromium against the whole stack, with a real recorded call
 * (SIPp trunk caller -> SIPp seat where a dispatcher is logged in):
 *  - a QA reviewer creates a scoring form in the page (a subjective item, an objective item bound to the
 *    answer time with bands; grade thresholds), sees a bad band refused with the server's coded error, and
 *    edits the thresholds; the API has the form, the audit log has both changes;
 *  - tags the recording in the page (add two, remove one), finds it by tag; audited;
 *  - the objective item shows the server's value for the call; scores the call final;
 *  - downloads the evidence bundle (tar with WAV and signed manifest) and the score cards as Excel and CSV;
 *    audited as recording.exported and qa.exported;
 *  - the dispatcher logs in to the same page, sees only "my results" with the review and replies; a second
 *    dispatcher sees nothing of it, in the page or through the API (server-enforced).
 * Screenshots: qa2-form-editor, qa2-tags, qa2-scorecards-export, qa2-dispatcher-mine.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { waitFor } from '../support/callcentre.ts';
import { pageLog, screenshot } from './support/browser.ts';
import { DISPATCHER, type Person, UI_MS } from './support/pages.ts';
import { loginQaPage, qaConsoleEnv, recordedCall } from './support/qa.ts';

const CALLER = '13977770001';
const QA: Person = { username: 'qa02', password: 'qa-reviewer-pw-02', display_name: '赵六' };
const OTHER: Person = { username: 'disp02', password: 'dispatcher-pw-02', display_name: '孙七' };
const FORM_NAME = '受理质量评分表';

const env = qaConsoleEnv('consoles-qa2');

const login = (page: import('playwright-core').Page, p: Person) => loginQaPage(page, env.server.url, p);

async function audit(action: string, target: string) {
  return env.cc.sql<{ actor_id: string; after: Record<string, unknown> }[]>`SELECT actor_id, after FROM audit_log WHERE action = ${action} AND target_id = ${target} ORDER BY id`;
}

test('qa-tags-forms-export-dispatcher: form edited in the page, tags, server objective value, evidence and score-card downloads, dispatcher sees and answers only their own', async (t) => {
  const { cc, browser } = env;
  const dispatcher = await cc.apiOk<{ id: string }>('POST', '/v1/users', { ...DISPATCHER, roles: ['dispatcher'] });
  await cc.apiOk('POST', '/v1/users', { ...OTHER, roles: ['dispatcher'] });
  const qaUser = await cc.apiOk<{ id: string }>('POST', '/v1/users', { ...QA, roles: ['qa'] });
  const dLogin = await cc.apiOk<{ token: string }>('POST', '/v1/auth/login', { username: DISPATCHER.username, password: DISPATCHER.password });

  // A real recorded call answered by the dispatcher's seat.
  const { call, recording: rec } = await recordedCall(cc, dLogin.token, CALLER);

  const page = await browser.newPage();
  const log = pageLog(page, 'qa2');
  try {
    await login(page, QA);
    assert.equal(await page.isVisible('#tabs button[data-tab="mine"]'), false, 'a reviewer has no "my results" tab');

    // --- the form editor: create (a bad band first), then edit the thresholds.
    await page.click('#tabs button[data-tab="forms"]');
    await page.click('[data-testid="form-new"]');
    await page.fill('#fe-name', FORM_NAME);
    await page.fill('#fe-desc', '受理时间由系统计算，语气由质检员评分');
    const row = (n: number) => `[data-testid="fe-items"] tr[data-row]:nth-child(${n})`;
    await page.fill(`${row(1)} [name="key"]`, 'manner');
    await page.fill(`${row(1)} [name="label"]`, '语气态度');
    await page.fill(`${row(1)} [name="weight"]`, '60');
    await page.fill(`${row(1)} [name="max"]`, '5');
    await page.click('[data-testid="fe-add-item"]');
    await page.fill(`${row(2)} [name="key"]`, 'answer');
    await page.fill(`${row(2)} [name="label"]`, '受理时间');
    await page.selectOption(`${row(2)} [name="kind"]`, 'objective');
    await page.fill(`${row(2)} [name="weight"]`, '40');
    await page.fill(`${row(2)} [name="max"]`, '10');
    await page.selectOption(`${row(2)} [name="metric"]`, 'answer_s');
    await page.fill(`${row(2)} [name="bands"]`, '10:10, 20:50');
    await page.fill(`${row(2)} [name="otherwise"]`, '0');
    await page.click('[data-testid="fe-save"]');
    await page.waitForSelector('[data-testid="fe-status"].error', { timeout: UI_MS });
    const refused = await page.textContent('[data-testid="fe-status"]') ?? '';
    assert.match(refused, /评分表设置不一致.*band 1 value 50 is outside \[0, 10\]/, refused);
    await page.fill(`${row(2)} [name="bands"]`, '10:10, 20:5');
    await page.fill('#fe-excellent', '95');
    await page.click('[data-testid="fe-save"]');
    await page.waitForSelector('[data-testid="fe-status"].ok', { timeout: UI_MS });
    const form = await waitFor(async () => (await cc.apiOk<Array<{ id: string; name: string; items: unknown[]; grades: Record<string, number>; active: boolean }>>('GET', '/v1/qa/forms')).find((f) => f.name === FORM_NAME), 5000, 'the form');
    assert.deepEqual(form.items, [
      { key: 'manner', label: '语气态度', kind: 'subjective', weight: 60, min: 0, max: 5 },
      { key: 'answer', label: '受理时间', kind: 'objective', weight: 40, min: 0, max: 10, metric: 'answer_s', bands: [{ up_to_s: 10, value: 10 }, { up_to_s: 20, value: 5 }], otherwise: 0 },
    ]);
    assert.deepEqual([form.grades, form.active], [{ excellent: 95, good: 80, fair: 60 }, true]);
    // Edit: the list shows it; lower 优 to 90.
    await page.click(`[data-testid="forms-list"] tr[data-form="${form.id}"] button[data-act="edit"]`);
    assert.equal(await page.inputValue(`${row(2)} [name="bands"]`), '10:10, 20:5');
    await page.fill('#fe-excellent', '90');
    await page.click('[data-testid="fe-save"]');
    await waitFor(async () => (await cc.apiOk<{ grades: { excellent: number } }>('GET', `/v1/qa/forms/${form.id}`)).grades.excellent === 90, 5000, 'the edited threshold');
    assert.deepEqual((await audit('qa_form.created', form.id)).map((a) => a.actor_id), [qaUser.id]);
    assert.equal((await audit('qa_form.updated', form.id)).length, 1);
    t.diagnostic(`screenshot ${await screenshot(page, 'qa2-form-editor')}`);

    // --- tags on the recording, search by tag.
    await page.click('#tabs button[data-tab="search"]');
    await page.fill('#s-caller', CALLER);
    await page.click('#search-submit');
    const hitRow = `[data-testid="search-results"] tr[data-call="${call.id}"]`;
    await page.waitForSelector(hitRow, { timeout: 10_000 });
    assert.equal(await page.textContent(`${hitRow} [data-col="dispatcher"]`), DISPATCHER.display_name, 'the search names the dispatcher');
    await page.click(`${hitRow} button[data-act="open"]`);
    await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 15_000 });
    for (const tag of ['典型案例', '投诉']) {
      await page.fill('[data-testid="tag-input"]', tag);
      await page.click('[data-testid="tag-add"]');
      await page.waitForSelector(`[data-testid="tags"] .tag[data-tag="${tag}"]`, { timeout: UI_MS });
    }
    await page.click('[data-testid="tags"] button[data-untag="投诉"]');
    await page.waitForSelector('[data-testid="tags"] .tag[data-tag="投诉"]', { state: 'detached', timeout: UI_MS });
    assert.deepEqual((await cc.apiOk<{ tags: string[] }>('GET', `/v1/qa/recordings/${rec.id}/tags`)).tags, ['典型案例']);
    assert.deepEqual((await audit('recording.tagged', rec.id)).map((a) => [a.actor_id, a.after.tag]), [[qaUser.id, '典型案例'], [qaUser.id, '投诉']]);
    assert.deepEqual((await audit('recording.untagged', rec.id)).map((a) => a.after.tag), ['投诉']);
    await page.fill('#s-caller', '');
    await page.fill('#s-tag', '典型案例');
    await page.click('#search-submit');
    await page.waitForSelector(`${hitRow} [data-col="tags"] .tag`, { timeout: 10_000 });
    assert.equal(await page.$$eval('[data-testid="search-results"] tbody tr[data-call]', (r) => r.length), 1, 'one recording has the tag');
    t.diagnostic(`screenshot ${await screenshot(page, 'qa2-tags')}`);

    // --- the objective value is the server's; score final.
    await page.selectOption('[data-testid="scoring-form-select"]', form.id);
    await page.waitForSelector('[data-testid="scoring"][data-loading="0"] tr[data-item="answer"][data-kind="objective"]');
    const objective = await cc.apiOk<{ answers: Array<{ key: string; value: number; measured_s: number }> }>('GET', `/v1/qa/forms/${form.id}/objective?call_id=${call.id}`);
    await waitFor(async () => (await page.textContent('tr[data-item="answer"] [data-col="value"]')) === String(objective.answers[0]!.value), 5000, 'the server\'s objective value in the page');
    assert.match(await page.textContent('tr[data-item="answer"]') ?? '', new RegExp(`实测 ${objective.answers[0]!.measured_s} 秒`));
    await page.fill('tr[data-item="manner"] input[type="number"]', '4');
    await page.fill('[data-testid="scoring-comment"]', '语气平稳，可更简洁');
    await page.click('[data-testid="scoring-save-final"]');
    await page.waitForSelector('[data-testid="scoring"][data-review="final"]', { timeout: UI_MS });

    // --- evidence bundle download (once the recording is chained).
    await waitFor(async () => (await cc.sql`SELECT 1 FROM recording_chains WHERE recording_id = ${rec.id}`).length > 0, 60_000, 'the recording\'s SM3 chain');
    const [evidence] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.click('[data-testid="export-evidence"]')]);
    const tar = readFileSync(await evidence.path());
    assert.match(evidence.suggestedFilename(), /\.tar$/);
    assert.ok(tar.length > rec.size_bytes, `the bundle (${tar.length} B) holds the WAV (${rec.size_bytes} B)`);
    const names = tar.toString('latin1').match(/[\w./-]+\.(wav|json|sig|pem|txt)/g) ?? [];
    for (const ext of ['.wav', '.json', '.sig', '.pem']) assert.ok(names.some((n) => n.endsWith(ext)), `the bundle has a ${ext}: ${names.join(' ')}`);
    assert.deepEqual((await audit('recording.exported', rec.id)).map((a) => a.actor_id), [qaUser.id]);

    // --- score cards export: Excel and CSV.
    await page.click('#tabs button[data-tab="scorecards"]');
    await page.selectOption('[data-testid="cards-form"]', form.id);
    await page.click('[data-testid="cards-submit"]');
    await page.waitForSelector(`[data-testid="cards-rows"] tr[data-dispatcher="${dispatcher.id}"]`, { timeout: UI_MS });
    const [xlsx] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click('[data-testid="export-xlsx"]')]);
    assert.match(xlsx.suggestedFilename(), /^qa-受理质量评分表-.*\.xlsx$/);
    assert.equal(readFileSync(await xlsx.path()).subarray(0, 2).toString('latin1'), 'PK', 'an .xlsx is a zip');
    const [csv] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click('[data-testid="export-csv-reviews"]')]);
    const csvText = readFileSync(await csv.path(), 'utf8');
    assert.ok(csvText.startsWith('\uFEFF'), 'CSV with a BOM for Excel');
    assert.ok(csvText.includes(DISPATCHER.display_name) && csvText.includes('语气平稳，可更简洁'), csvText.slice(0, 400));
    assert.equal((await audit('qa.exported', form.id)).length, 2);
    t.diagnostic(`screenshot ${await screenshot(page, 'qa2-scorecards-export')}`);
  } catch (e) {
    t.diagnostic(log.join('\n'));
    await screenshot(page, 'qa2-failure').catch(() => undefined);
    throw e;
  }

  // --- the dispatcher: only "my results", reads the review, replies.
  const [review] = (await cc.apiOk<{ items: Array<{ id: string; call_id: string }> }>('GET', `/v1/qa/reviews?status=final`)).items.filter((r) => r.call_id === call.id);
  assert.ok(review, 'the final review');
  const dPage = await browser.newPage();
  const dLog = pageLog(dPage, 'qa2-dispatcher');
  try {
    await login(dPage, DISPATCHER);
    await dPage.waitForSelector(`[data-testid="mine-list"] article[data-review="${review.id}"]`, { timeout: 10_000 });
    for (const tab of ['search', 'scorecards', 'forms']) assert.equal(await dPage.isVisible(`#tabs button[data-tab="${tab}"]`), false, `no ${tab} tab for a dispatcher`);
    const card = `[data-testid="mine-list"] article[data-review="${review.id}"]`;
    assert.match(await dPage.textContent(`${card} [data-col="comment"]`) ?? '', /语气平稳，可更简洁/);
    assert.equal(await dPage.$$eval('[data-testid="mine-list"] article', (a) => a.length), 1);
    await dPage.fill(`${card} [data-testid="mine-comment"]`, '收到，下次注意用语简洁');
    await dPage.click(`${card} [data-testid="mine-submit"]`);
    await dPage.waitForSelector(`${card} [data-col="dispatcher-comment"]`, { timeout: UI_MS });
    const stored = await cc.apiOk<{ dispatcher_comment: string }>('GET', `/v1/qa/reviews/${review.id}`);
    assert.equal(stored.dispatcher_comment, '收到，下次注意用语简洁');
    assert.deepEqual((await audit('qa_review.dispatcher_commented', review.id)).map((a) => a.actor_id), [dispatcher.id]);
    t.diagnostic(`screenshot ${await screenshot(dPage, 'qa2-dispatcher-mine')}`);
  } catch (e) {
    t.diagnostic(dLog.join('\n'));
    await screenshot(dPage, 'qa2-dispatcher-failure').catch(() => undefined);
    throw e;
  }

  // --- another dispatcher: nothing of it, in the page or through the API even when asking for it.
  const oPage = await browser.newPage();
  await login(oPage, OTHER);
  await oPage.waitForSelector('[data-testid="mine-list"] p.muted', { timeout: 10_000 });
  assert.equal(await oPage.$$eval('[data-testid="mine-list"] article', (a) => a.length), 0);
  const oLogin = await cc.apiOk<{ token: string }>('POST', '/v1/auth/login', { username: OTHER.username, password: OTHER.password });
  const asOther = (path: string, init: RequestInit = {}) => fetch(`${cc.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${oLogin.token}`, 'content-type': 'application/json' } });
  const list = await (await asOther(`/v1/qa/reviews?dispatcher_id=${dispatcher.id}`)).json() as { items: unknown[] };
  assert.equal(list.items.length, 0, 'asking for another dispatcher\'s reviews returns only one\'s own');
  const one = await asOther(`/v1/qa/reviews/${review.id}`);
  assert.equal(one.status, 403);
  assert.equal((await one.json() as { code: string }).code, 'CTI_QA_NOT_YOURS');
  const reply = await asOther(`/v1/qa/reviews/${review.id}/dispatcher-comment`, { method: 'PUT', body: JSON.stringify({ comment: '不是我的' }) });
  assert.equal((await reply.json() as { code: string }).code, 'CTI_QA_NOT_YOURS');
  t.diagnostic(`screenshot ${await screenshot(oPage, 'qa2-other-dispatcher-empty')}`);
});
