/**
 * Event fan-out to many WebSocket subscribers (issue 12): N clients (consoles and integrations) on the control
 * plane's GET /v1/events/ws while calls flow through the queue; per delivered frame, the time from the event's
 * publication (its Redis stream id is the XADD's millisecond, same clock) to its arrival at the client. The peer in
 * the same run: a bare `ws` broadcast of the same stream in a process of its own (bench/support/bare-broadcast.ts),
 * with the same number of clients and the same call load. Also whether every client got every event.
 *
 *   npm run bench -- events-fanout    (BENCH_SUBSCRIBERS 1000, BENCH_SECONDS 20 per side, BENCH_RATE 5 calls/s)
 *
 * JSON: p99_ms (the control plane's), ratio (its p99 over the bare broadcast's), and both sides' figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { EVENT_STREAM } from '../control/src/events/bus.ts';
import { startCallCentre, type CallCentre, type Trunk } from '../test/integration/support/callcentre.ts';
import { runSipp } from '../test/support/sipp.ts';
import { envInt, type Benchmark } from './support/benchmark.ts';
import { cpuMs } from './support/cpu.ts';
import { round3, summarise } from './support/stats.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const SEAT_UAS = join(HERE, 'sipp', 'uas-seat-answer-at-once-no-media.xml');
const CALLER = join(HERE, 'sipp', 'uac-120-expect-answer-no-media.xml');
const CONNECT_BATCH = 50;
const STREAM_ID_MS = /^\{"stream_id":"(\d+)-/;

interface Side {
  latencies: number[];
  /** Frames per client. */
  counts: number[];
}

/** N clients on `url`, each recording the latency of every frame; resolves once all are open. */
async function subscribe(url: string, n: number): Promise<{ side: Side; close(): void }> {
  const side: Side = { latencies: [], counts: new Array<number>(n).fill(0) };
  const sockets: WebSocket[] = [];
  for (let i = 0; i < n; i += CONNECT_BATCH) {
    await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, n - i) }, (_, k) => new Promise<void>((resolve, reject) => {
      const idx = i + k;
      const ws = new WebSocket(url);
      ws.on('message', (data) => {
        const now = Date.now();
        // the frame's stream id only (a console parses the rest; the peer's clients do the same work)
        const m = STREAM_ID_MS.exec(data.toString('latin1', 0, 48));
        if (!m) return;
        side.latencies.push(now - Number(m[1]));
        side.counts[idx]!++;
      });
      ws.once('open', () => resolve());
      ws.once('error', reject);
      sockets.push(ws);
    })));
  }
  return { side, close: () => sockets.forEach((s) => s.terminate()) };
}

async function callsFor(cc: CallCentre, trunk: Trunk, seconds: number, rate: number): Promise<number> {
  const calls = seconds * rate;
  const r = await runSipp({
    scenario: CALLER, remote: cc.sipRemote, localPort: trunk.port, calls, rate, concurrent: rate * 2,
    timeoutS: seconds + 60, injection: [{ caller: '13800138000', display: 'fanout bench' }], vars: { talk_ms: '200' },
  });
  return r.successful;
}

function figures(side: Side, events: number, cpu?: number): Record<string, unknown> {
  const s = summarise(side.latencies);
  const lost = side.counts.reduce((sum, c) => sum + Math.max(0, events - c), 0);
  return {
    p50_ms: s.median, p90_ms: s.p90, p99_ms: s.p99, max_ms: s.max, frames: s.n, events,
    frames_lost: lost, clients_short: side.counts.filter((c) => c < events).length,
    ...(cpu !== undefined ? { server_cpu_ms: Math.round(cpu) } : {}),
  };
}

async function startBare(redisUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'support', 'bare-broadcast.ts'), redisUrl, EVENT_STREAM], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`bare-broadcast exited ${code}`)));
  });
  return { child, url: `ws://127.0.0.1:${port}/` };
}

/** Events published in [from, to] (stream ids), as the clients should have got them. */
async function eventsBetween(cc: CallCentre, from: number, to: number): Promise<number> {
  const rows = await cc.redis.xrange(EVENT_STREAM, String(from), String(to));
  return rows.length;
}

const benchmark: Benchmark = {
  description: 'event publication to delivery at N WebSocket subscribers: the control plane\'s /v1/events/ws vs a bare ws broadcast of the same stream',
  async run(log) {
    const n = envInt('BENCH_SUBSCRIBERS', 1000);
    const seconds = envInt('BENCH_SECONDS', 20);
    const rate = envInt('BENCH_RATE', 5);
    log(`events-fanout: ${n} subscribers per side, ${rate} calls/s for ${seconds} s per side`);
    const cc = await startCallCentre('bench-events-fanout', { queue: { wrapup_s: 0 } });
    let bare: ChildProcess | undefined;
    try {
      const [seat] = await cc.createSeats(1);
      await cc.startSeatPhone(seat!, SEAT_UAS, { timeoutS: 3600 });
      await cc.loginReady(seat!);
      const trunk = await cc.createTrunkPort();
      await callsFor(cc, trunk, 2, rate); // warm-up, not counted

      const measure = async (url: string, pid: number): Promise<Record<string, unknown>> => {
        const subs = await subscribe(url, n);
        const settle = Date.now();
        await new Promise((r) => setTimeout(r, 500));
        const from = Date.now();
        const cpu0 = cpuMs(pid);
        const answered = await callsFor(cc, trunk, seconds, rate);
        const to = Date.now();
        // frames still in flight: the clients get until nothing arrived for 2 s (at most 20 s)
        let seen = -1;
        for (let i = 0; i < 20 && seen !== subs.side.latencies.length; i++) {
          seen = subs.side.latencies.length;
          await new Promise((r) => setTimeout(r, 1000));
        }
        const cpu = cpuMs(pid) - cpu0;
        subs.close();
        // what every client should have got: the events published while the calls flowed (and their tail)
        const events = await eventsBetween(cc, from, to + 2000);
        log(`  ${url.includes('/v1/events') ? 'control plane' : 'bare ws'}: ${answered} calls, ${events} events, ${subs.side.latencies.length} frames (connected ${from - settle} ms before)`);
        return figures(subs.side, events, cpu);
      };

      const stack = await measure(`${cc.info.api.eventsWs}?token=${encodeURIComponent(cc.adminToken)}`, cc.info.pids.control!);
      log(`control plane: ${JSON.stringify(stack)}`);
      const b = await startBare(cc.info.redis.url);
      bare = b.child;
      const peer = await measure(b.url, b.child.pid!);
      log(`bare ws: ${JSON.stringify(peer)}`);
      return {
        subscribers: n, calls_per_s: rate, seconds,
        p99_ms: stack.p99_ms, ratio: round3(Number(stack.p99_ms) / Math.max(1, Number(peer.p99_ms))),
        control_plane: stack, bare_ws: peer,
      };
    } finally {
      bare?.kill('SIGKILL');
      await cc.close();
    }
  },
};

export default benchmark;
