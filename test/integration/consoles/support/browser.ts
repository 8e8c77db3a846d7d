/**
 * Headless Debian Chromium for the console tests (engine-notes: flags that work with this stack):
 * a fresh profile, a fake microphone that plays a WAV tone, loopback ICE candidates allowed.
 * Screenshots go to test-results/screenshots/ (gitignored).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../../../scripts/stack/migrate.ts';

export const CHROMIUM = process.env.CTI_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'screenshots');

/** A 16-bit PCM mono WAV of a sine tone (RIFF/WAVE, WAVE_FORMAT_PCM). */
export function toneWav(freqHz: number, seconds: number, rate = 48_000, amplitude = 0.5): Buffer {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * freqHz * i) / rate) * amplitude * 32767), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8);
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

export interface ConsoleBrowser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fake microphone playing `micToneHz` (looped by Chromium). `ignoreCertificateErrors`:
 * accept the set-up's self-signed certificate on https pages and wss:// (engine-notes: the test-side stand-in
 * for installing .run/tls/ca.crt in a real browser). `denyMicrophone`: the page is refused the microphone.
 * `netns`: Chromium runs inside that network namespace (a pair's carrier, scripts/stack/netns.ts), through a wrapper
 * that enters it (`ip netns exec`) and keeps Playwright's pipes. `secureOrigins`: plain-http origins Chromium treats as
 * secure (the microphone), the test-side stand-in for the https a centre serves its pages with.
 */
export async function launchConsoleBrowser(micToneHz = 1000, opts: {
  ignoreCertificateErrors?: boolean; denyMicrophone?: boolean; netns?: string; secureOrigins?: string[];
} = {}): Promise<ConsoleBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'cti120-chromium-'));
  let executablePath = CHROMIUM;
  if (opts.netns) {
    executablePath = join(dir, 'chromium-in-netns.sh');
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec '${opts.netns}' '${CHROMIUM}' "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  const wav = join(dir, `mic-${micToneHz}hz.wav`);
  writeFileSync(wav, toneWav(micToneHz, 10));
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    locale: 'zh-CN',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-dev-shm-usage', '--use-fake-device-for-media-stream',
      // the fake permission prompt accepts; without it headless Chromium refuses (NotAllowedError), as a person clicking 阻止 would
      ...(opts.denyMicrophone ? [] : ['--use-fake-ui-for-media-stream']),
      `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required', '--allow-loopback-in-peer-connection',
      ...(opts.ignoreCertificateErrors ? ['--ignore-certificate-errors'] : []),
      ...(opts.secureOrigins?.length ? [`--unsafely-treat-insecure-origin-as-secure=${opts.secureOrigins.join(',')}`] : [])],
    ignoreHTTPSErrors: opts.ignoreCertificateErrors ?? false,
  });
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Collects the page's console errors and uncaught exceptions, for the failure message. */
export function pageLog(page: Page, tag: string): string[] {
  const lines: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') lines.push(`[${tag} ${m.type()}] ${m.text()}`); });
  page.on('pageerror', (e) => lines.push(`[${tag} pageerror] ${e.message}`));
  return lines;
}
