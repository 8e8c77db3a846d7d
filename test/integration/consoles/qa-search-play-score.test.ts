/**
 * The QA console in headless Chromium against the whole stack: a trunk caller (SIPp) reaches a seat (SIPp
 * answering with audio) where a dispatcher is logged in, so a real recording exists. A QA form is created
 * through the API; a QA reviewer logs in to the page, finds the call by its number, opens it (both channels'
 * waveforms drawn from the decoded WAV, the call's timeline on the same axis), checks the objective item is
 * filled from the call's timings, scores the rest and saves a final review. The API serves the review and
 * the dispatcher's score-card line; the page's score card shows it too. Screenshots of search, player, scoring.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageLog, screenshot } from './support/browser.ts';
import { DISPATCHER, type Person, UI_MS } from './support/pages.ts';
import { loginQaPage, qaConsoleEnv, recordedCall } from './support/qa.ts';

const CALLER = '13966668888';
const QA: Person = { username: 'qa01', password: 'qa-reviewer-pw-01', display_name: '王五' };
const FORM = {
  name: '调度评分表（测试）',
  items: [
    { key: 'answer', label: '受理时间', kind: 'objective', weight: 20, min: 0, max: 10, metric: 'answer_s', bands: [{ up_to_s: 10, value: 10 }, { up_to_s: 20, value: 5 }], otherwise: 0 },
    { key: 'info', label: '信息填报质量', kind: 'subjective', weight: 40, min: 0, max: 5 },
    { key: 'manner', label: '语气态度', kind: 'subjective', weight: 40, min: 0, max: 5 },
  ],
  grades: { excellent: 90, good: 80, fair: 60 },
};

const env = qaConsoleEnv('consoles-qa');

/** Counts the pixels of a canvas that differ from its background (the top-left pixel). */
async function inkedPixels(page: import('playwright-core').Page, testid: string): Promise<number> {
  return page.$eval(`[data-testid="${testid}"]`, (c) => {
    const canvas = c as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 60) n++;
    return n;
  });
}

test('qa-search-play-score: a recorded call found, played with both waveforms and its timeline, scored final; the API has the review and the score card', async (t) => {
  const { cc, server, browser } = env;
  const dispatcher = await cc.apiOk<{ id: string }>('POST', '/v1/users', { ...DISPATCHER, roles: ['dispatcher'] });
  await cc.apiOk('POST', '/v1/users', { ...QA, roles: ['qa'] });
  const qaLogin = await cc.apiOk<{ token: string }>('POST', '/v1/auth/login', { username: QA.username, password: QA.password });
  const dLogin = await cc.apiOk<{ token: string }>('POST', '/v1/auth/login', { username: DISPATCHER.username, password: DISPATCHER.password });
  const asQa = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${cc.apiUrl}${path}`, {
      method, headers: { authorization: `Bearer ${qaLogin.token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json as T;
  };

  // A real call: the dispatcher is logged in at the seat (so the review names them), the seat answers with audio.
  const { call, seat } = await recordedCall(cc, dLogin.token, CALLER);

  const form = await asQa<{ id: string }>('POST', '/v1/qa/forms', FORM);

  const page = await browser.newPage();
  const log = pageLog(page, 'qa');
  try {
    // Log in; search by the caller's number and a minimum duration.
    await loginQaPage(page, server.url, QA);
    await page.fill('#s-caller', CALLER);
    await page.fill('#s-min-duration', '3');
    await page.click('#search-submit');
    const row = `[data-testid="search-results"] tr[data-call="${call.id}"]`;
    await page.waitForSelector(row, { timeout: 10_000 });
    assert.equal(await page.$$eval('[data-testid="search-results"] tbody tr[data-call]', (r) => r.length), 1, 'only the caller\'s call matches');
    assert.equal(await page.textContent(`${row} [data-col="seat"]`), seat.id);
    t.diagnostic(`screenshot ${await screenshot(page, 'qa-search')}`);

    // Open: both channels' waveforms drawn, the timeline's events on the same axis.
    await page.click(`${row} button[data-act="open"]`);
    await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 15_000 });
    for (const lane of ['wave-caller', 'wave-seat']) {
      const columns = Number(await page.getAttribute(`[data-testid="${lane}"]`, 'data-drawn-columns'));
      const inked = await inkedPixels(page, lane);
      assert.ok(columns > 100 && inked > 1000, `${lane}: ${columns} columns with signal, ${inked} non-blank pixels`);
    }
    const marks = await page.$$eval('[data-testid="timeline"] .mark', (m) => m.map((e) => ({ type: (e as HTMLElement).dataset.event, left: parseFloat((e as HTMLElement).style.left) })));
    for (const type of ['call.queued.v1', 'call.offering.v1', 'call.answered.v1', 'call.ended.v1']) assert.ok(marks.some((m) => m.type === type), `the timeline shows ${type}`);
    const left = (type: string) => marks.find((m) => m.type === type)!.left;
    assert.ok(left('call.queued.v1') <= left('call.answered.v1') && left('call.answered.v1') < left('call.ended.v1'), `events in time order on the axis: ${JSON.stringify(marks)}`);
    const audioOk = await page.$eval('[data-testid="player-audio"]', async (a) => {
      const audio = a as HTMLAudioElement;
      if (audio.readyState < 1) await new Promise((r) => audio.addEventListener('loadedmetadata', r, { once: true }));
      audio.playbackRate = 1;
      return { duration: audio.duration, src: audio.currentSrc };
    });
    assert.ok(audioOk.duration > 4, `the <audio> element loaded the WAV (${audioOk.duration} s)`);
    await page.selectOption('[data-testid="player-speed"]', '1.5');
    assert.equal(await page.$eval('[data-testid="player-audio"]', (a) => (a as HTMLAudioElement).playbackRate), 1.5, 'speed control sets playbackRate');
    await page.check('[data-testid="mute-caller"]');
    assert.equal(await page.getAttribute('[data-testid="player"]', 'data-muted'), 'caller');
    await page.uncheck('[data-testid="mute-caller"]');
    t.diagnostic(`screenshot ${await screenshot(page, 'qa-player')}`);

    // Scoring: the objective item is filled from the call's timings; the reviewer's items are editable.
    await page.waitForSelector('[data-testid="scoring-items"] tr[data-item="answer"][data-kind="objective"]');
    assert.equal(await page.textContent('tr[data-item="answer"] [data-col="value"]'), '10', 'answered within 10 s -> 10');
    await page.fill('tr[data-item="info"] input[type="number"]', '4');
    await page.fill('tr[data-item="manner"] input[type="number"]', '5');
    await page.fill('[data-testid="scoring-comment"]', '受理及时，信息基本完整');
    await page.click('[data-testid="scoring-save-final"]');
    await page.waitForSelector('[data-testid="scoring"][data-review="final"]', { timeout: UI_MS });
    // 20 x 10/10 + 40 x 4/5 + 40 x 5/5 = 92 -> 优
    assert.match(await page.textContent('[data-testid="scoring-total"]') ?? '', /92.*优/);
    assert.ok(await page.$eval('tr[data-item="info"] input[type="number"]', (i) => (i as HTMLInputElement).disabled), 'a final review is read-only');
    t.diagnostic(`screenshot ${await screenshot(page, 'qa-scoring')}`);

    // The API has the review and the score card line of the dispatcher.
    const reviews = await asQa<{ items: Array<{ call_id: string; status: string; score: number; grade: string; dispatcher_id: string; comment: string; answers: Array<{ key: string; value: number; auto: boolean }> }> }>(
      'GET', `/v1/qa/reviews?form_id=${form.id}`);
    assert.equal(reviews.items.length, 1);
    const r = reviews.items[0];
    assert.deepEqual([r.call_id, r.status, r.score, r.grade, r.dispatcher_id, r.comment], [call.id, 'final', 92, '优', dispatcher.id, '受理及时，信息基本完整']);
    assert.deepEqual(r.answers.map((a) => [a.key, a.value, a.auto]), [['answer', 10, true], ['info', 4, false], ['manner', 5, false]]);
    const period = `from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;
    const cards = await asQa<{ dispatchers: Array<{ dispatcher_id: string; reviews: number; average: number; grade: string }> }>('GET', `/v1/qa/forms/${form.id}/scorecards?${period}`);
    assert.deepEqual(cards.dispatchers.map((d) => [d.dispatcher_id, d.reviews, d.average, d.grade]), [[dispatcher.id, 1, 92, '优']]);

    // The page's score cards show the same line.
    await page.click('#tabs button[data-tab="scorecards"]');
    await page.waitForSelector(`[data-testid="cards-rows"] tr[data-dispatcher="${dispatcher.id}"]`, { timeout: UI_MS });
    assert.equal(await page.textContent(`tr[data-dispatcher="${dispatcher.id}"] [data-col="average"]`), '92');
    t.diagnostic(`screenshot ${await screenshot(page, 'qa-scorecards')}`);
  } catch (e) {
    t.diagnostic(log.join('\n'));
    await screenshot(page, 'qa-failure').catch(() => undefined);
    throw e;
  }
});
