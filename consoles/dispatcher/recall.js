/**
 * Instant recall: during a call the dispatcher replays the last 30 s of the caller's audio (an address said
 * once, badly) without leaving the call. The caller's remote stream feeds an AudioWorklet (recall-worklet.js)
 * that fills a 30 s ring (recall-ring.js); replay plays the ring's copy into the dispatcher's ear, mixed over
 * the live audio, which is turned down to LIVE_UNDER meanwhile (the caller is never cut off). The buffer
 * lives only in this page and only for the call: it is cleared when the call ends.
 * States: idle --attach--> buffering --replay--> replaying --(end | stop)--> buffering --detach--> idle
 */
import { rmsDbfs } from './devices.js';
import { RecallRing } from './recall-ring.js';

export const RECALL_SECONDS = 30;
const LIVE_UNDER = 0.25;

export class Recall {
  /**
   * @param {{ liveAudio: HTMLAudioElement, output: () => string,
   *           onChange: (s: {state: 'idle'|'buffering'|'replaying', seconds?: number, rmsDb?: number}) => void }} opts
   */
  constructor(opts) {
    this.opts = opts;
    this.ctx = null;
    this.ring = null;
    this.source = null;
    this.tap = null;
    this.player = null;
    this.state = 'idle';
  }

  /** Starts buffering the caller's stream (the phone's 'remote-stream'). */
  async attach(stream) {
    this.detach();
    if (!this.ctx) {
      this.ctx = new AudioContext();
      await this.ctx.audioWorklet.addModule(new URL('./recall-worklet.js', import.meta.url));
    }
    if (this.ctx.state === 'suspended') await this.ctx.resume().catch(() => undefined);
    this.ring = new RecallRing(this.ctx.sampleRate, RECALL_SECONDS);
    // Chrome delivers a remote WebRTC track to Web Audio only while a media element also plays it (main.js's <audio> does).
    this.source = this.ctx.createMediaStreamSource(stream);
    this.tap = new AudioWorkletNode(this.ctx, 'recall-tap', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1, channelCountMode: 'explicit' });
    this.tap.port.onmessage = (e) => this.ring?.write(e.data);
    const mute = this.ctx.createGain();
    mute.gain.value = 0; // the tap must reach the destination to be processed; it adds nothing to it
    this.source.connect(this.tap).connect(mute).connect(this.ctx.destination);
    this.setState('buffering');
  }

  /** Stops buffering and forgets the audio (the call ended). */
  detach() {
    this.stop();
    this.source?.disconnect();
    this.tap?.disconnect();
    if (this.tap) this.tap.port.onmessage = null;
    this.source = null;
    this.tap = null;
    this.ring?.clear();
    this.ring = null;
    if (this.state !== 'idle') this.setState('idle');
  }

  /** Seconds buffered so far (at most RECALL_SECONDS). */
  get seconds() { return this.ring?.seconds ?? 0; }

  /** Replays what is buffered; resolves with what is being played. Toggles off when already replaying. */
  async replay() {
    if (this.state === 'replaying') { this.stop(); return null; }
    if (!this.ring || !this.ctx || this.ring.filled === 0) return { seconds: 0, rmsDb: -Infinity };
    if (this.ctx.state === 'suspended') await this.ctx.resume();
    const output = this.opts.output();
    if (output && typeof this.ctx.setSinkId === 'function') await this.ctx.setSinkId(output).catch((e) => console.warn('recall output not set', e));
    const samples = this.ring.snapshot();
    const buffer = this.ctx.createBuffer(1, samples.length, this.ctx.sampleRate);
    buffer.copyToChannel(samples, 0);
    const player = this.ctx.createBufferSource();
    player.buffer = buffer;
    player.connect(this.ctx.destination);
    player.onended = () => { if (this.player === player) this.finish(); };
    this.player = player;
    this.opts.liveAudio.volume = LIVE_UNDER;
    player.start();
    const result = { seconds: samples.length / this.ctx.sampleRate, rmsDb: rmsDbfs(samples) };
    this.setState('replaying', result);
    return result;
  }

  stop() {
    if (!this.player) return;
    const p = this.player;
    this.player = null;
    try { p.stop(); } catch { /* already ended */ }
    this.finish();
  }

  finish() {
    this.player = null;
    this.opts.liveAudio.volume = 1;
    this.setState(this.ring ? 'buffering' : 'idle');
  }

  setState(state, extra = {}) {
    this.state = state;
    this.opts.onChange({ state, ...extra });
  }
}
