/**
 * The supervisor console's administration panels in headless Chromium against the whole stack:
 * a supervisor changes city-main's ring timeout and waiting-alarm thresholds in the page (a threshold
 * pair in the wrong order is refused with the Chinese text of CTI_QUEUE_SETTINGS_INVALID first); the API
 * serves the new values and the audit log has the change by that supervisor. A caller then waits with no
 * ready seat: the queue's longest-wait alarm is lit (and sounded) on the page, the abandoned call reaches
 * today's service level. The supervisor adds a block-list entry, approves the nuisance proposal made from
 * a mark of that call, creates a seat template and a 2-seat surge (one-time passwords shown once, matching
 * the stored HA1), and ends it. Screenshots of each panel.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';
import { launchConsoleBrowser, pageLog, screenshot, type ConsoleBrowser } from './support/browser.ts';
import { startConsoleServer, type ConsoleServer } from './support/console-server.ts';
import { createPerson, loginSupervisor, SUPERVISOR, UI_MS } from './support/pages.ts';

const Q = 'city-main';
const CALLER = '13511112222';
const BLOCKED = '13799990000';
let cc: CallCentre;
let server: ConsoleServer;
let browser: ConsoleBrowser;

before(async () => {
  cc = await startCallCentre('consoles-supervisor-admin');
  server = await startConsoleServer(cc.apiUrl, { ws: cc.info.sip.ws, domain: cc.info.sip.domain });
  browser = await launchConsoleBrowser();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
});
after(async () => {
  await browser?.close();
  await server?.close();
  await cc?.close();
});

test('supervisor-queue-change-screening-surge: queue settings change live and audited, alarm lit, screening entry and proposal, 2-seat surge created and ended', async (t) => {
  await createPerson(cc, SUPERVISOR, 'supervisor');
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml');
  await cc.seatLogin(seat); // logged in, not ready: a caller waits
  const before = await cc.apiOk<{ ring_timeout_s: number }>('GET', `/v1/queues/${Q}`);
  const newTimeout = before.ring_timeout_s === 17 ? 18 : 17;

  const sup = await browser.newPage();
  const log = pageLog(sup, 'supervisor');
  const row = `[data-testid="queue-admin-table"] tr[data-queue="${Q}"]`;
  try {
    await loginSupervisor(sup, server.url);
    await sup.waitForSelector('[data-testid="sl-headline"]');

    // Queue settings: a wrong threshold order is refused in Chinese, then the change is saved.
    await sup.click('#tabs button[data-tab="queues"]');
    await sup.click(`${row} button[data-act="edit-queue"]`);
    await sup.waitForSelector('[data-testid="queue-dialog"][open]');
    await sup.fill('#q-ring-timeout', String(newTimeout));
    await sup.fill('input[name="longest_wait_warning_s"]', '40');
    await sup.fill('input[name="longest_wait_critical_s"]', '30');
    await sup.click('#queue-save');
    await sup.waitForFunction(() => /预警值必须比严重值更早触发/.test(document.querySelector('[data-testid="queue-error"]')?.textContent ?? ''), undefined, { timeout: UI_MS });
    t.diagnostic(`screenshot ${await screenshot(sup, 'supervisor-queue-settings-refused')}`);
    assert.equal((await cc.apiOk<{ ring_timeout_s: number }>('GET', `/v1/queues/${Q}`)).ring_timeout_s, before.ring_timeout_s, 'nothing stored on a refusal');
    await sup.fill('input[name="longest_wait_warning_s"]', '1');
    await sup.fill('input[name="longest_wait_critical_s"]', '2');
    // announcements, missed offers and overflow are in the same dialog (overflow far enough away not to act in this test)
    await sup.check('input[name="ann_ringback_only"]');
    await sup.fill('input[name="missed_offers_not_ready"]', '2');
    await sup.selectOption('select[name="of_kind"]', 'sip');
    await sup.fill('input[name="of_value"]', 'sip:120@127.0.0.1:5999');
    await sup.fill('input[name="of_after_s"]', '600');
    await sup.click('#queue-save');
    await sup.waitForSelector('[data-testid="queue-dialog"][open]', { state: 'detached', timeout: UI_MS });
    await sup.waitForFunction(([sel, n]) => document.querySelector(`${sel} [data-col="ring-timeout"]`)?.textContent === `${n} 秒`, [row, newTimeout] as const, { timeout: UI_MS });

    const after = await cc.apiOk<{ ring_timeout_s: number; settings: { alarms: Record<string, number> } }>('GET', `/v1/queues/${Q}`);
    assert.equal(after.ring_timeout_s, newTimeout, 'the API serves the new ring timeout');
    assert.equal(after.settings.alarms.longest_wait_warning_s, 1);
    assert.equal(after.settings.alarms.longest_wait_critical_s, 2);
    const more = after.settings as unknown as { announcements: { ringback_only: boolean }; missed_offers_not_ready: number; overflow: unknown };
    assert.equal(more.announcements.ringback_only, true, 'ringback only switched on from the page');
    assert.equal(more.missed_offers_not_ready, 2);
    assert.deepEqual(more.overflow, { target: { sip_uri: 'sip:120@127.0.0.1:5999' }, when_no_seat: false, after_s: 600 });
    const audit = await cc.apiOk<{ items: { actor_name: string; before: any; after: any }[] }>('GET', `/v1/audit?action=queue.updated&target_id=${Q}`);
    assert.equal(audit.items.length, 1, 'one audit row for the one accepted change');
    assert.equal(audit.items[0].actor_name, SUPERVISOR.username);
    assert.equal(audit.items[0].before.ring_timeout_s, before.ring_timeout_s);
    assert.equal(audit.items[0].after.ring_timeout_s, newTimeout);

    // A caller waits with no ready seat: the longest-wait alarm goes critical, lit on the strip and the queue row.
    const trunk = await cc.createTrunkPort();
    const caller = cc.runCaller(trunk, {
      scenario: 'uac-120-cancel-in-queue-expect-487.xml', vars: { cancel_ms: '4500' }, injection: [{ caller: CALLER, display: 'waiting' }],
    });
    await sup.waitForSelector('[data-testid="alarm-strip"][data-level="critical"] li[data-type="queue_longest_wait"][data-level="critical"]', { timeout: UI_MS });
    await sup.waitForSelector(`${row}[data-alarm="critical"]`, { timeout: UI_MS });
    const beeps = Number(await sup.getAttribute('[data-testid="alarm-strip"]', 'data-beeps'));
    assert.ok(beeps >= 3, `the critical alarm was sounded (${beeps} pips scheduled)`);
    t.diagnostic(`screenshot ${await screenshot(sup, 'supervisor-queues-alarm')}`);
    const result = await caller;
    assert.ok(result.ok, `the waiting caller gave up with 487: ${result.errorLog}`);
    const call = await cc.waitForCall((c) => c.caller_number === CALLER && c.state === 'abandoned', 5000, 'the caller\'s call abandoned');

    // Today's service level on the wallboard counts the abandoned call.
    await sup.click('#tabs button[data-tab="board"]');
    await sup.waitForFunction(() => document.querySelector('[data-testid="service-level-table"] tr[data-sl="total"] [data-col="abandoned"]')?.textContent === '1', undefined, { timeout: UI_MS });
    const sl = await cc.apiOk<{ total: { abandoned: number } }>('GET', `/v1/stats/service-level?from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`);
    assert.equal(sl.total.abandoned, 1);
    t.diagnostic(`screenshot ${await screenshot(sup, 'supervisor-wallboard-service-level')}`);

    // Screening: a block entry added in the page; a proposal from a seat's mark approved in the page.
    await sup.click('#tabs button[data-tab="screening"]');
    await sup.selectOption('#entry-list', 'block');
    await sup.fill('#entry-number', BLOCKED);
    await sup.fill('#entry-reason', '反复恶意骚扰');
    await sup.click('#entry-add');
    await sup.waitForSelector(`[data-testid="entry-table"] tr[data-number="${BLOCKED}"][data-list="block"]`, { timeout: UI_MS });
    const entries = await cc.apiOk<{ items: { list: string; source: string }[] }>('GET', `/v1/screening/entries?number=${BLOCKED}`);
    assert.deepEqual(entries.items.map((e) => [e.list, e.source]), [['block', 'person']], 'the API lists the number on the block list');

    await cc.apiOk('POST', `/v1/calls/${call.id}/mark`, { kind: 'nuisance', note: '测试标记' });
    const proposalRow = `[data-testid="proposal-table"] tr[data-number="${CALLER}"]`;
    await sup.waitForSelector(proposalRow, { timeout: UI_MS });
    t.diagnostic(`screenshot ${await screenshot(sup, 'supervisor-screening')}`);
    await sup.click(`${proposalRow} button[data-act="approve"]`);
    await sup.waitForSelector(`[data-testid="entry-table"] tr[data-number="${CALLER}"][data-list="block"]`, { timeout: UI_MS });
    await sup.waitForSelector(proposalRow, { state: 'detached', timeout: UI_MS });
    const approved = await cc.apiOk<{ items: { status: string }[] }>('GET', `/v1/screening/proposals?number=${CALLER}`);
    assert.equal(approved.items[0].status, 'approved');

    // Surge: a template, then two seats; the passwords are shown once and are the ones Kamailio checks.
    await sup.click('#tabs button[data-tab="surge"]');
    await sup.waitForSelector(`#template-queues input[value="${Q}"]`);
    await sup.fill('#template-id', 'mci');
    await sup.fill('#template-name', '重大事件临时席');
    await sup.check(`#template-queues input[value="${Q}"]`);
    await sup.click('#template-submit');
    await sup.waitForSelector('[data-testid="template-table"] tr[data-template="mci"]', { timeout: UI_MS });
    await sup.selectOption('#surge-template', 'mci');
    await sup.fill('#surge-count', '2');
    await sup.fill('#surge-prefix', 'mci');
    await sup.fill('#surge-reason', '重大事件：高速公路连环追尾');
    await sup.click('#surge-create');
    await sup.waitForSelector('[data-testid="secret-dialog"][open]', { timeout: 10_000 });
    const shown = await sup.$$eval('#secret-rows tr', (rows) => rows.map((r) => ({ seat: r.getAttribute('data-seat'), password: r.querySelector('[data-col="password"]')?.textContent ?? '' })));
    assert.deepEqual(shown.map((s) => s.seat), ['mci-01', 'mci-02']);
    const domain = cc.info.sip.domain;
    for (const s of shown) {
      const [stored] = await cc.sql<{ ha1: string }[]>`SELECT ha1 FROM seats WHERE id = ${s.seat}`;
      assert.equal(stored.ha1, createHash('md5').update(`${s.seat}:${domain}:${s.password}`).digest('hex'), `${s.seat}: the shown password is the stored one`);
    }
    await sup.click('#secret-copy');
    await sup.waitForFunction(() => document.querySelector('[data-testid="secret-copy-status"]')?.textContent === '已复制到剪贴板', undefined, { timeout: UI_MS });
    assert.match(await sup.evaluate(() => navigator.clipboard.readText()), new RegExp(`mci-01.*${shown[0].password}`), 'the copied text holds the seat and its password');
    t.diagnostic(`screenshot ${await screenshot(sup, 'supervisor-surge-passwords-once')}`);
    sup.once('dialog', (d) => void d.accept());
    await sup.click('#secret-close');
    await sup.waitForSelector('[data-testid="secret-dialog"][open]', { state: 'detached', timeout: UI_MS });
    assert.equal(await sup.$$eval('#secret-rows tr', (r) => r.length), 0, 'the passwords are wiped from the page once closed');

    const surgeRow = '[data-testid="surge-table"] tr[data-prefix="mci"]';
    await sup.waitForSelector(`${surgeRow}[data-status="active"]`, { timeout: UI_MS });
    t.diagnostic(`screenshot ${await screenshot(sup, 'supervisor-surge-active')}`);
    const [open] = (await cc.apiOk<{ items: { id: string; prefix: string; seats: unknown[] }[] }>('GET', '/v1/surges?open=true')).items;
    assert.equal(open.prefix, 'mci');
    assert.equal(open.seats.length, 2);
    sup.once('dialog', (d) => void d.accept());
    await sup.click(`${surgeRow} button[data-act="end-surge"]`);
    await sup.waitForSelector(surgeRow, { state: 'detached', timeout: UI_MS });
    const ended = await waitFor(async () => {
      const s = await cc.apiOk<{ status: string }>('GET', `/v1/surges/${open.id}`);
      return s.status === 'ended' ? s : undefined;
    }, 5000, 'the surge ended');
    assert.equal(ended.status, 'ended');
    t.diagnostic(`screenshot ${await screenshot(sup, 'supervisor-surge-ended')}`);
    assert.deepEqual(log.filter((l) => /pageerror/.test(l)), [], 'no uncaught page errors');
  } catch (e) {
    await screenshot(sup, 'supervisor-admin-failure').catch(() => undefined);
    throw new Error(`${(e as Error).message}\n${log.join('\n')}`, { cause: e });
  }
});
