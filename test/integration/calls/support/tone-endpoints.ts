/**
 * RTP endpoints on loopback for three-party audio tests (the anchoring proof and the three-way call through
 * Kamailio): each sends a tone in 20 ms G.711 A-law packets on a steady clock to a target that can change, and keeps
 * what it receives with the time and source, so that a test measures who hears whom (Goertzel) over a window.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { decodeAlaw, encodeAlaw, rtpPackets, tone, PT_PCMA } from '../../../support/audio.ts';
import { toneContinuity, toneLevels } from '../../../support/goertzel.ts';

/** The caller (gateway), the seat and the third party (110). */
export const GW_HZ = 440;
export const SEAT_HZ = 1000;
export const P110_HZ = 1650;
export const FREQS = [GW_HZ, SEAT_HZ, P110_HZ];
/** A party is heard above this level (dB re full scale); its own voice must be this much below the others. */
export const HEARD_DB = -20;
export const SELF_BELOW_DB = 30;

export interface Heard { at: number; from: string; pcm: Int16Array }

/** An RTP endpoint on loopback sending a tone every 20 ms to a target that can change, recording what it receives. */
export async function endpoint(freqHz: number) {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = sock.address().port;
  const packets = rtpPackets(encodeAlaw(tone(freqHz, 60)), { payloadType: PT_PCMA, ssrc: Math.floor(Math.random() * 2 ** 32) });
  const heard: Heard[] = [];
  let target: { ip: string; port: number } | undefined;
  let n = 0;
  sock.on('message', (msg, rinfo) => {
    if (msg.length < 12 || (msg[1]! & 0x7f) !== PT_PCMA) return;
    const cc = msg[0]! & 0x0f;
    let off = 12 + cc * 4;
    if (msg[0]! & 0x10) off += 4 + msg.readUInt16BE(off + 2) * 4;
    heard.push({ at: Date.now(), from: `${rinfo.address}:${rinfo.port}`, pcm: decodeAlaw(msg.subarray(off)) });
  });
  // Paced like a gateway's or a phone's audio clock: packet n leaves at t0 + 20n ms, late ones catch up at once. A
  // setInterval drifts (each period restarts when its callback ran: 40-49 packets/s under load), and the mixer, on
  // its own exact 20 ms clock, then has nothing for that party in some frames: a gap, and the rest of its audio
  // 20 ms late (docs/mixer.md, "A party heard weakly").
  const t0 = performance.now();
  let timer: NodeJS.Timeout;
  let lastSentAt = 0;
  const tick = () => {
    const due = Math.floor((performance.now() - t0) / 20);
    for (; n <= due; n++) if (target) { sock.send(packets[n % packets.length]!, target.port, target.ip); lastSentAt = Date.now(); }
    timer = setTimeout(tick, t0 + n * 20 - performance.now());
  };
  timer = setTimeout(tick, 0);
  return {
    port, heard,
    sdp: (version = 1) => ['v=0', `o=- ${port} ${version} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
      `m=audio ${port} RTP/AVP 8`, 'a=rtpmap:8 PCMA/8000', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n'),
    sendTo(t: { ip: string; port: number }) { target = t; },
    /** Stops sending; returns when the last packet left (Date.now()). */
    silence() { target = undefined; return lastSentAt; },
    close() { clearTimeout(timer); sock.close(); },
  };
}
export type Endpoint = Awaited<ReturnType<typeof endpoint>>;

export function levels(e: Endpoint, fromMs: number, toMs: number) {
  const win = e.heard.filter((h) => h.at >= fromMs && h.at < toMs);
  const pcm = new Int16Array(win.reduce((s, h) => s + h.pcm.length, 0));
  let o = 0;
  for (const h of win) { pcm.set(h.pcm, o); o += h.pcm.length; }
  return { levels: toneLevels(pcm, FREQS), packets: win.length, sources: [...new Set(win.map((h) => h.from))], gw: toneContinuity(pcm, GW_HZ) };
}

/** Waits until a window of `ms` has been received (by the clock: packets arrive every 20 ms), then measures it. */
export async function measure(e: Endpoint, ms: number) {
  const from = Date.now() + 300; // let the new path settle
  await new Promise<void>((resolve) => {
    const check = setInterval(() => { if (e.heard.some((h) => h.at >= from + ms)) { clearInterval(check); resolve(); } }, 50);
  });
  return levels(e, from, from + ms);
}

export function assertHears(name: string, got: ReturnType<typeof levels>, own: number, others: number[]) {
  assert.ok(got.packets >= 40, `${name} received ${got.packets} packets`);
  for (const f of others) assert.ok(got.levels[f]! > HEARD_DB, `${name} hears ${f} Hz: ${JSON.stringify(got.levels)}`);
  assert.ok(got.levels[own]! < Math.min(...others.map((f) => got.levels[f]!)) - SELF_BELOW_DB, `${name} does not hear itself: ${JSON.stringify(got.levels)}`);
}

/** The RMS of what `e` received over the last `ms` (the hold audio has no single tone to measure). */
export function rmsOf(e: Endpoint, ms: number): number {
  const now = Date.now();
  let sum = 0;
  let n = 0;
  for (const h of e.heard.filter((x) => x.at >= now - ms)) for (const v of h.pcm) { sum += v * v; n += 1; }
  return n ? Math.sqrt(sum / n) : 0;
}
