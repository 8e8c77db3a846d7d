/** Logging people into the console pages, as a person would (the forms), for the console tests. */
import type { Page } from 'playwright-core';
import type { CallCentre, Seat } from '../../support/callcentre.ts';

export interface Person { username: string; password: string; display_name: string }

export const DISPATCHER: Person = { username: 'disp01', password: 'dispatcher-pw-01', display_name: '张三' };
export const SUPERVISOR: Person = { username: 'sup01', password: 'supervisor-pw-01', display_name: '李四' };

export async function createPerson(cc: CallCentre, p: Person, role: 'dispatcher' | 'supervisor'): Promise<void> {
  await cc.apiOk('POST', '/v1/users', { ...p, roles: [role] });
}

/** Opens the dispatcher page and submits its login form (the page may still refuse, e.g. without a microphone). */
export async function submitDispatcherLogin(page: Page, origin: string, seat: Seat, who: Person = DISPATCHER): Promise<void> {
  await page.goto(`${origin}/consoles/dispatcher/`);
  await page.fill('#f-user', who.username);
  await page.fill('#f-pass', who.password);
  await page.fill('#f-seat', seat.id);
  await page.fill('#f-sipuser', seat.sipUser);
  await page.fill('#f-sippass', seat.password);
  await page.click('#login-submit');
}

export async function loginDispatcher(page: Page, origin: string, seat: Seat, who: Person = DISPATCHER): Promise<void> {
  await submitDispatcherLogin(page, origin, seat, who);
  await page.waitForSelector('#app:not(.hidden)', { timeout: 15_000 });
}

export async function loginSupervisor(page: Page, origin: string, who: Person = SUPERVISOR): Promise<void> {
  await page.goto(`${origin}/consoles/supervisor/`);
  await page.fill('#f-user', who.username);
  await page.fill('#f-pass', who.password);
  await page.click('#login-submit');
  await page.waitForSelector('#app:not(.hidden)', { timeout: 15_000 });
}

/**
 * How long a page may take to show what the server already did (an API reply, an event over the WebSocket). A bound
 * for failing, never a timing assertion (those are benchmarks): on a loaded 2-core CI machine with two browsers
 * beside each other, a page update took more than 5 s once (session 7's CI), so the bound is generous.
 */
export const UI_MS = 15_000;

/**
 * Waits until the page's element `testid` has text matching `re` (a string: the whole text equals it). On timeout
 * the error names the element, what was expected and the text it had: a failure says where it stopped.
 */
export async function waitText(page: Page, testid: string, re: RegExp | string, timeout = UI_MS): Promise<void> {
  const [src, flags] = typeof re === 'string' ? [`^${re.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, ''] : [re.source, re.flags];
  try {
    await page.waitForFunction(([id, s, f]) => new RegExp(s, f).test(document.querySelector(`[data-testid="${id}"]`)?.textContent ?? ''),
      [testid, src, flags] as const, { timeout });
  } catch (e) {
    const actual = await page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null, testid).catch(() => '(page gone)');
    throw new Error(`[data-testid="${testid}"] never matched /${src}/${flags} within ${timeout} ms: its text is ${JSON.stringify(actual)}`, { cause: e });
  }
}
