/**
 * SIPp really sends the generated audio: a caller/seat pair runs while tshark captures loopback;
 * the caller's RTP reaches the seat's media port as 440 Hz PCMA, the seat's reaches the caller's as 1000 Hz.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAlaw, readPcap, tonePower, udpDatagrams, type UdpDatagram } from '../../support/audio.ts';
import { freeUdpPort, runSipp, startSipp, waitForUdpListener } from '../../support/sipp.ts';

const hasTshark = spawnSync('tshark', ['-v']).status === 0;

async function capture(filter: string, file: string): Promise<() => Promise<void>> {
  const child = spawn('tshark', ['-i', 'lo', '-q', '-F', 'pcap', '-f', filter, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('tshark did not start capturing within 10 s')), 10_000);
    child.stderr.on('data', (d: Buffer) => {
      if (d.toString().includes('Capturing on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`tshark exited with ${code}`)));
  });
  return () =>
    new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.kill('SIGINT');
    });
}

function pcmOf(stream: UdpDatagram[]): Int16Array {
  return decodeAlaw(Buffer.concat(stream.map((d) => d.payload.subarray(12))));
}

test('caller sends 440 Hz PCMA and seat sends 1000 Hz PCMA, 20 ms RTP packets', { skip: !hasTshark && 'tshark not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cti120-media-'));
  const callerMedia = await freeUdpPort('127.0.0.1', true);
  const seatMedia = await freeUdpPort('127.0.0.1', true);
  const file = join(dir, 'rtp.pcap');
  const stopCapture = await capture(`udp and (dst port ${callerMedia} or dst port ${seatMedia})`, file);
  try {
    const seat = await startSipp({ scenario: 'uas-seat-answer-audio.xml', service: 'seat01', calls: 1, mediaPort: seatMedia, timeoutS: 30 });
    await waitForUdpListener(seat.localPort);
    const caller = await runSipp({
      scenario: 'uac-120-expect-answer-audio.xml',
      remote: `127.0.0.1:${seat.localPort}`,
      mediaPort: callerMedia,
      timeoutS: 30,
    });
    assert.ok(caller.ok, caller.errorLog);
    assert.ok((await seat.done).ok);
  } finally {
    await stopCapture();
  }
  const dgrams = udpDatagrams(readPcap(readFileSync(file)));
  rmSync(dir, { recursive: true, force: true });
  const toSeat = dgrams.filter((d) => d.dst.port === seatMedia && d.src.port === callerMedia);
  const toCaller = dgrams.filter((d) => d.dst.port === callerMedia && d.src.port === seatMedia);
  // 5 s at 50 packets/s; the seat's stream is cut when the caller's BYE ends the call.
  assert.ok(toSeat.length >= 240 && toSeat.length <= 250, `caller sent ${toSeat.length} packets`);
  assert.ok(toCaller.length >= 200, `seat sent ${toCaller.length} packets`);
  for (const d of [...toSeat, ...toCaller]) {
    assert.equal(d.payload[0] >> 6, 2);
    assert.equal(d.payload[1] & 0x7f, 8);
    assert.equal(d.payload.length, 12 + 160);
  }
  const gaps = toSeat.slice(1).map((d, i) => d.tsUs - toSeat[i].tsUs);
  const meanGapMs = gaps.reduce((a, b) => a + b, 0) / gaps.length / 1000;
  assert.ok(meanGapMs > 18 && meanGapMs < 22, `mean packet gap ${meanGapMs} ms`);
  const callerPcm = pcmOf(toSeat);
  const seatPcm = pcmOf(toCaller);
  assert.ok(tonePower(callerPcm, 440) > 100 * tonePower(callerPcm, 1000), 'caller side is 440 Hz');
  assert.ok(tonePower(seatPcm, 1000) > 100 * tonePower(seatPcm, 440), 'seat side is 1000 Hz');
});
