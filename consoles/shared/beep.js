/**
 * Short alarm tones through WebAudio (no sound files). Browsers start an AudioContext only after a
 * user gesture, so a page calls `unlock()` from a click (the login button) and `beep(level)` later.
 * warning: two 660 Hz pips; critical: three 880 Hz pips, louder; info: one soft pip.
 */
const PATTERNS = {
  info: { hz: 520, pips: 1, gain: 0.08 },
  warning: { hz: 660, pips: 2, gain: 0.15 },
  critical: { hz: 880, pips: 3, gain: 0.25 },
};
const PIP_S = 0.12;
const GAP_S = 0.08;

export class AlarmSound {
  constructor() {
    this.ctx = null;
    this.muted = false;
    /** How many pips were scheduled (the tests read it; a headless browser has no speaker). */
    this.played = 0;
  }

  unlock() {
    const Ctx = globalThis.AudioContext ?? globalThis.webkitAudioContext;
    if (!Ctx) return;
    this.ctx ??= new Ctx();
    if (this.ctx.state === 'suspended') void this.ctx.resume();
  }

  /** @param {'info' | 'warning' | 'critical'} level */
  beep(level) {
    if (this.muted || !this.ctx) return false;
    const p = PATTERNS[level] ?? PATTERNS.info;
    const t0 = this.ctx.currentTime + 0.02;
    for (let i = 0; i < p.pips; i++) {
      const start = t0 + i * (PIP_S + GAP_S);
      const osc = this.ctx.createOscillator();
      const gain = this.ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = p.hz;
      gain.gain.setValueAtTime(p.gain, start);
      gain.gain.exponentialRampToValueAtTime(0.001, start + PIP_S);
      osc.connect(gain).connect(this.ctx.destination);
      osc.start(start);
      osc.stop(start + PIP_S);
    }
    this.played += p.pips;
    return true;
  }
}
