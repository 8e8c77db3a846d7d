/**
 * Plays a program of prompts and music to one waiting caller with rtpengine's `play media` (engine-notes:
 * on the caller's from-tag, after a placeholder answer gave the call its early media). One program per call;
 * a new program replaces the running one. Explicit states per call:
 *
 *   idle -> playing(step i) -> playing(step i+1) ... -> done (program ended: onDone) | stopped (stop())
 *
 * A step is a prompt (next step when it has played) or music (played on repeat for `forMs`, then the next step).
 * `loopFrom` repeats the steps from that index for as long as the call waits. Nothing here can hurt a call: a
 * missing file or an rtpengine error skips to the next step (and a program that cannot play at all ends at once,
 * so a warning that cannot be played never holds a caller back).
 */
import type { Logger } from '../app/logger.ts';
import { playMedia, stopMedia, type NgTransport } from '../engine/rtpengine/commands.ts';
import { existingMedia, type MediaKind } from './prompts.ts';
import { wavDurationMs } from './wav.ts';

export interface Step {
  /** 'pause': nothing is played for `forMs` (what rtpengine played last has ended; the caller hears silence). */
  kind: MediaKind | 'pause';
  name: string;
  /** What the prompt is for (the call's timeline); music steps have none and are not logged. */
  purpose?: 'greeting' | 'waiting' | 'warning' | 'warning_end' | 'hold';
  /** Music: how long to play it before the next step. */
  forMs?: number;
}

export interface Program {
  steps: Step[];
  /** Repeat the steps from here on; absent: the program ends after its last step. */
  loopFrom?: number;
  /** Called once when a finite program has played (or could not be played). */
  onDone?: () => void;
  /** Called when a prompt with a purpose starts (for the call's events). */
  onPrompt?: (step: Step, durationMs: number | undefined) => void;
  /**
   * Called each time the loop comes round: the program to go on with (e.g. the queue's settings changed while the
   * call waits), or null to stop playing (the queue was switched to ringback only).
   */
  renew?: () => Promise<Program | null>;
}

export interface Listener {
  sipCallId: string;
  /** The caller's From tag: rtpengine plays to this participant. */
  fromTag: string;
}

interface Running {
  token: number;
  timer?: NodeJS.Timeout;
}

const GAP_AFTER_PROMPT_MS = 300;
const MUSIC_REPEAT = 100; // bounded: if the control plane dies, the music still ends (and a seat's answer stops it in Kamailio)

export class Announcer {
  private readonly running = new Map<string, Running>();
  private seq = 0;

  constructor(private readonly ng: NgTransport, private readonly mediaDir: string, private readonly log: Logger) {}

  isPlaying(sipCallId: string): boolean {
    return this.running.has(sipCallId);
  }

  run(to: Listener, program: Program): void {
    this.clear(to.sipCallId);
    const r: Running = { token: ++this.seq };
    this.running.set(to.sipCallId, r);
    void this.step(to, program, 0, r.token);
  }

  /** Stops the program; `media` also tells rtpengine to stop what it is playing now. */
  async stop(sipCallId: string, opts: { media: boolean; fromTag?: string } = { media: false }): Promise<void> {
    this.clear(sipCallId);
    if (opts.media && opts.fromTag) {
      await stopMedia(this.ng, { callId: sipCallId, fromTag: opts.fromTag }).catch(() => undefined); // nothing playing: fine
    }
  }

  stopAll(): void {
    for (const id of [...this.running.keys()]) this.clear(id);
  }

  private clear(sipCallId: string): void {
    const r = this.running.get(sipCallId);
    if (r?.timer) clearTimeout(r.timer);
    this.running.delete(sipCallId);
  }

  private current(sipCallId: string, token: number): Running | undefined {
    const r = this.running.get(sipCallId);
    return r && r.token === token ? r : undefined;
  }

  private async step(to: Listener, program: Program, i: number, token: number): Promise<void> {
    if (!this.current(to.sipCallId, token)) return;
    if (i >= program.steps.length) {
      if (program.loopFrom !== undefined && program.loopFrom < program.steps.length) {
        const next = program.renew ? await program.renew().catch(() => program) : program;
        if (!this.current(to.sipCallId, token)) return;
        if (!next) {
          this.clear(to.sipCallId);
          await stopMedia(this.ng, { callId: to.sipCallId, fromTag: to.fromTag }).catch(() => undefined);
          return;
        }
        return this.step(to, next, next.loopFrom ?? 0, token);
      }
      this.clear(to.sipCallId);
      program.onDone?.();
      return;
    }
    const s = program.steps[i];
    let waitMs = 0;
    try {
      const file = s.kind === 'pause' ? undefined : await existingMedia(this.mediaDir, s.kind, s.name);
      if (s.kind === 'pause') waitMs = s.forMs ?? 0;
      else if (!file) {
        this.log.warn({ call: to.sipCallId, media: s.name, kind: s.kind }, 'announcement file missing: skipped');
      } else {
        if (!this.current(to.sipCallId, token)) return;
        const music = s.forMs !== undefined;
        const reply = await playMedia(this.ng, { callId: to.sipCallId, fromTag: to.fromTag, file, repeatTimes: music ? MUSIC_REPEAT : undefined });
        const duration = music ? undefined : (reply.duration ?? await wavDurationMs(file));
        if (s.purpose) program.onPrompt?.(s, duration);
        waitMs = music ? s.forMs! : (duration ?? 0) + GAP_AFTER_PROMPT_MS;
      }
    } catch (err) {
      this.log.warn({ call: to.sipCallId, media: s.name, err: String(err) }, 'play media failed: step skipped');
    }
    const r = this.current(to.sipCallId, token);
    if (!r) return;
    if (waitMs <= 0 && program.loopFrom !== undefined && i >= program.loopFrom) {
      // nothing in the loop could be played: do not spin; try again a little later
      waitMs = 5000;
    }
    r.timer = setTimeout(() => void this.step(to, program, i + 1, token), waitMs);
  }
}
