/**
 * Starts a private userspace rtpengine (table = -1) on loopback with pcap recording into a temp
 * spool, for the recording contract tests. Every instance must be stopped with stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NgClient } from '../../../../control/src/engine/rtpengine/ng-client.ts';
import { isCtiError } from '../../../../control/src/errors/catalogue.ts';
import { holdMediaRange, holdPort } from '../../../../scripts/stack/port-pool.ts';

export interface RtpengineInstance {
  readonly ngPort: number;
  /** An NG client for this instance (closed by stop()). */
  readonly ng: NgClient;
  readonly spool: string;
  readonly dir: string;
  readonly log: () => string;
  stop(): Promise<void>;
}

export async function startRtpengine(opts: { deleteDelay?: number } = {}): Promise<RtpengineInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'cti120-rtpengine-'));
  const spool = join(dir, 'spool');
  await mkdir(spool);
  // from the machine-wide registry, held until this process ends
  const ngPort = await holdPort('udp');
  const [portMin] = await holdMediaRange(40);
  const conf = [
    '[rtpengine]',
    'table = -1',
    'interface = 127.0.0.1',
    `listen-ng = 127.0.0.1:${ngPort}`,
    `port-min = ${portMin}`,
    `port-max = ${portMin + 39}`,
    'foreground = true',
    'log-stderr = true',
    'log-level = 6',
    `delete-delay = ${opts.deleteDelay ?? 1}`,
    'recording-method = pcap',
    'recording-format = eth',
    `recording-dir = ${spool}`,
    '',
  ].join('\n');
  const confPath = join(dir, 'rtpengine.conf');
  await writeFile(confPath, conf);
  const child: ChildProcess = spawn('rtpengine', ['--config-file', confPath, '--pidfile', join(dir, 'rtpengine.pid')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };

  // short single pings while rtpengine starts; the tests' requests with the product's timeout and retransmissions
  // (a 200 ms single shot failed an offer once on a loaded machine: CTI_ENGINE_UNAVAILABLE, attempts 1)
  const probe = new NgClient({ host: '127.0.0.1', port: ngPort, timeoutMs: 200, retries: 0 });
  const ng = new NgClient({ host: '127.0.0.1', port: ngPort });
  const stopAll = async () => {
    probe.close();
    ng.close();
    await stop();
  };
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) break;
    try {
      await probe.request('ping');
      return { ngPort, ng, spool, dir, log: () => log, stop: stopAll };
    } catch (e) {
      if (!isCtiError(e, 'CTI_ENGINE_UNAVAILABLE')) throw e;
    }
  }
  await stopAll();
  throw new Error(`rtpengine did not answer ping; log:\n${log}`);
}
