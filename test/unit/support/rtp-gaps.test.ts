/** The longest silence per RTP stream over a window (test/support/rtp-gaps.ts): the measure of a failover's media gap. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { streamGaps } from '../../support/rtp-gaps.ts';
import type { UdpDatagram } from '../../support/audio.ts';

const A = { ip: '198.18.0.100', port: 20000 };
const B = { ip: '198.18.0.100', port: 20002 };
const TO = { ip: '198.18.0.20', port: 16500 };

/** Packets every 20 ms from `fromMs` to `toMs` (exclusive), from `src`. */
function stream(src: typeof A, fromMs: number, toMs: number): UdpDatagram[] {
  const out: UdpDatagram[] = [];
  for (let t = fromMs; t < toMs; t += 20) out.push({ tsUs: t * 1000, src, dst: TO, payload: Buffer.alloc(172) });
  return out;
}

test('rtp-gaps: the longest gap per flow, and the packets after the failure', () => {
  // A: 800 ms of silence at the failure (t = 10 000), then flows again; B: steady
  const packets = [...stream(A, 9_000, 10_000), ...stream(A, 10_800, 15_000), ...stream(B, 9_000, 15_000)];
  const gaps = streamGaps(packets, { fromMs: 9_000, toMs: 15_000, afterMs: 13_000 });
  assert.equal(gaps.length, 2);
  const [a, b] = gaps;
  assert.equal(a!.flow, '198.18.0.100:20000->198.18.0.20:16500');
  assert.equal(a!.maxGapMs, 820, 'from the last packet before the failure (9 980) to the first after (10 800)');
  assert.equal(a!.gapFromMs, 9_980);
  assert.equal(a!.packetsAfter, 99, 'after 13 000: 13 020 to 14 980');
  assert.equal(b!.maxGapMs, 20);
});

test('rtp-gaps: a stream that never comes back has its gap run to the end of the window', () => {
  const gaps = streamGaps(stream(A, 9_000, 10_000), { fromMs: 9_000, toMs: 15_000, afterMs: 13_000 });
  assert.equal(gaps[0]!.maxGapMs, 5_020);
  assert.equal(gaps[0]!.packetsAfter, 0);
});

test('rtp-gaps: packets outside the window are ignored; a stream that starts late has its gap from the window start', () => {
  const gaps = streamGaps([...stream(A, 0, 5_000), ...stream(B, 11_000, 20_000)], { fromMs: 9_000, toMs: 15_000, afterMs: 13_000 });
  assert.deepEqual(gaps.map((g) => [g.flow.split('->')[0], g.maxGapMs]), [['198.18.0.100:20002', 2_000]]);
});

test('rtp-gaps: packets before the failure tell a stream silent already from one the failure stopped', () => {
  // A flowed until the failure (t = 10 000) and never came back; B started only after it (silent before)
  const gaps = streamGaps([...stream(A, 9_000, 10_000), ...stream(B, 10_500, 15_000)], { fromMs: 9_000, toMs: 15_000, afterMs: 13_000, atMs: 10_000 });
  assert.deepEqual(gaps.map((g) => [g.flow.split('->')[0], g.packetsBefore, g.packetsAfter]),
    [['198.18.0.100:20000', 50, 0], ['198.18.0.100:20002', 0, 99]]);
});

test('rtp-gaps: `from` keeps only the packets sent from that address (a capture of both directions)', () => {
  const back: UdpDatagram[] = stream(A, 9_000, 10_000).map((d) => ({ ...d, src: TO, dst: d.src }));
  const gaps = streamGaps([...stream(B, 9_000, 10_000), ...back], { fromMs: 9_000, toMs: 15_000, afterMs: 13_000, from: TO.ip });
  assert.deepEqual(gaps.map((g) => g.flow), ['198.18.0.20:16500->198.18.0.100:20000']);
  assert.equal(gaps[0]!.packetsBefore, 0, 'no failure time given');
});
