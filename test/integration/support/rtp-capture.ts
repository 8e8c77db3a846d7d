/**
 * A packet capture inside a pair's namespace (dumpcap, classic pcap), for measuring the media of calls in
 * conversation through a failover on the receiving side (test/support/rtp-gaps.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './callcentre.ts';

export interface RtpCapture {
  /** Stops dumpcap (it flushes on SIGINT) and returns the capture's bytes. */
  stop(): Promise<Buffer>;
}

/**
 * Captures UDP matching `filter` (BPF) on `dev` in namespace `netns` (null: this host's own, e.g. loopback);
 * resolves once dumpcap is capturing.
 */
export async function startCapture(netns: string | null, dev: string, filter: string): Promise<RtpCapture> {
  const dir = mkdtempSync(join(tmpdir(), 'cti120-capture-'));
  const file = join(dir, 'rtp.pcap');
  // -P: classic pcap (test/support/audio.ts readPcap); -q: no packet counts on stderr
  const dumpcap = ['dumpcap', '-q', '-P', '-i', dev, '-f', filter, '-w', file];
  const child = netns === null ? spawn(dumpcap[0]!, dumpcap.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn('ip', ['netns', 'exec', netns, ...dumpcap], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exited = false;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const closed = new Promise<void>((resolve) => child.once('close', () => { exited = true; resolve(); }));
  await waitFor(() => {
    if (exited) throw new Error(`dumpcap exited: ${stderr}`);
    return stderr.includes('Capturing on');
  }, 10_000, `dumpcap capturing in ${netns} (${stderr})`, 50);
  return {
    async stop() {
      if (!exited) child.kill('SIGINT');
      await closed;
      try {
        return readFileSync(file);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
