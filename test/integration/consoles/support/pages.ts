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

/** Waits until the dispatcher page's element `testid` has text matching `re`. */
export async function waitText(page: Page, testid: string, re: RegExp, timeout = 10_000): Promise<void> {
  await page.waitForFunction(([id, src, flags]) => new RegExp(src, flags).test(document.querySelector(`[data-testid="${id}"]`)?.textContent ?? ''),
    [testid, re.source, re.flags] as const, { timeout });
}
