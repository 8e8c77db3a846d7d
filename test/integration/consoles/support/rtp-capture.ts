/**
 * RTP on the wire for the console tests: tshark on loopback writes the UDP datagrams to given ports to a
 * pcap; the test then decodes the G.711 A-law payloads (test/support/audio.ts) to tell which tone a party
 * heard. tshark ships with the set-up (scripts/setup.sh); without it the tests that need it skip.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAlaw, MEDIA_DIR, readPcap, tonePcap, udpDatagrams, type UdpDatagram } from '../../../support/audio.ts';

export const HAS_TSHARK = spawnSync('tshark', ['-v']).status === 0;

export interface RtpCapture {
  /** Stops capturing and returns every datagram captured so far (timestamps in µs). */
  stop(): Promise<UdpDatagram[]>;
}

/** `where`: capture on another interface, or inside a network namespace (a pair's carrier: `{netns, iface: 'eth0'}`). */
export async function captureUdpTo(ports: number[], where: { netns?: string; iface?: string } = {}): Promise<RtpCapture> {
  const dir = mkdtempSync(join(tmpdir(), 'cti120-rtp-'));
  const file = join(dir, 'rtp.pcap');
  const filter = `udp and (${ports.map((p) => `dst port ${p}`).join(' or ')})`;
  const tshark = ['tshark', '-i', where.iface ?? 'lo', '-q', '-F', 'pcap', '-f', filter, '-w', file];
  const [cmd, ...args] = where.netns ? ['ip', 'netns', 'exec', where.netns, ...tshark] : tshark;
  const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('tshark did not start capturing within 10 s')), 10_000);
    child.stderr.on('data', (d: Buffer) => { if (d.toString().includes('Capturing on')) { clearTimeout(timer); resolve(); } });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`tshark exited with ${code}`)); });
  });
  return {
    stop: async () => {
      await new Promise<void>((resolve) => { child.once('close', () => resolve()); child.kill('SIGINT'); });
      try {
        return udpDatagrams(readPcap(readFileSync(file)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The linear PCM of PCMA RTP datagrams (12-byte header, no CSRC or extension, as rtpengine and SIPp send). */
export function pcmaAudio(stream: UdpDatagram[]): Int16Array {
  return decodeAlaw(Buffer.concat(stream.filter((d) => (d.payload[1] & 0x7f) === 8).map((d) => d.payload.subarray(12))));
}

/** test/media/caller-440hz-pcma-30s.pcap for sipp/uac-120-expect-answer-long-audio-then-remote-bye.xml (written once). */
export function ensureLongCallerAudio(): void {
  const path = join(MEDIA_DIR, 'caller-440hz-pcma-30s.pcap');
  const bytes = tonePcap({ freqHz: 440, seconds: 30, ssrc: 0x12000442 });
  if (existsSync(path) && readFileSync(path).equals(bytes)) return;
  mkdirSync(MEDIA_DIR, { recursive: true });
  writeFileSync(path, bytes);
}
