/**
 * What a page's audio element plays, measured: its MediaStream resampled to 8 kHz by Web Audio over ~2 s, and the
 * Goertzel levels (dBFS) of the given tones in it (test/support/goertzel.ts).
 */
import type { Page } from 'playwright-core';
import { toneLevels } from '../../../support/goertzel.ts';

export async function pageHears(page: Page, selector: string, tones: number[]): Promise<Record<number, number>> {
  const samples = await page.evaluate(async (sel) => {
    const el = document.querySelector(sel) as HTMLAudioElement | null;
    const stream = el?.srcObject as MediaStream | null;
    if (!stream) return [];
    const ctx = new AudioContext({ sampleRate: 8000 });
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 16384; // 2.05 s at 8 kHz
    ctx.createMediaStreamSource(stream).connect(analyser);
    await ctx.resume();
    await new Promise((r) => setTimeout(r, 2300));
    const buf = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(buf);
    await ctx.close();
    return Array.from(buf, (x) => Math.round(Math.max(-1, Math.min(1, x)) * 32767));
  }, selector);
  return toneLevels(Int16Array.from(samples), tones);
}
