/**
 * A typed runner for SIPp (3.6, Debian's sip-tester) and the scenarios in test/sipp.
 * Each run gets its own temp dir for the injection CSV and the traces (-trace_stat, -trace_err,
 * -trace_screen, -trace_msg); results are read from those files and from the exit code
 * (0: every call succeeded, 1: at least one failed, 97: stopped by command or global timeout,
 * 99: no call processed, 255: fatal). A run can never hang: SIPp gets -timeout, and the process is
 * killed when it overstays that by a grace period (SIPp 3.6 can stay up after its global timeout
 * when a call is still in a pause).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CtiError } from '../../control/src/errors/catalogue.ts';
import { ensureTestAudio } from './audio.ts';
import { leasePorts, type PortLease } from '../../scripts/stack/port-pool.ts';

export const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'sipp');
const KILL_GRACE_MS = 5_000;
const STOP_GRACE_MS = 3_000;
const TAIL_CHARS = 4_000;
/** SIPp binds -mp (audio) and -mp + 2 (video); +1 and +3 are their RTCP ports by convention. */
/** SIPp's control port in a network namespace: 7000 + the SIP port's last three digits (startSipp). */
const NETNS_CONTROL_BASE = 7000;
const MEDIA_PORTS = 4;

export interface SippOptions {
  /** File name in test/sipp (or an absolute path). */
  scenario: string;
  /** host:port of the system under test; omit for a UAS that only listens. */
  remote?: string;
  localIp?: string;
  /** Local SIP port; by default one leased for this run (scripts/stack/port-pool.ts). */
  localPort?: number;
  /** Local RTP port (SIPp also binds port + 2); by default four leased for this run. */
  mediaPort?: number;
  /** -m: stop after this many calls (UAC default 1; UAS default: run until stop() or timeout). */
  calls?: number;
  /** -r: calls per second. */
  rate?: number;
  /** -l: simultaneous calls. */
  concurrent?: number;
  /** -timeout, in seconds (default 60); the run fails when it is reached. */
  timeoutS?: number;
  /** -inf: rows (values in key order, like `{caller, display}` -> field0, field1) or a CSV path. */
  injection?: Array<Record<string, string>> | string;
  /** -set name value, for the scenario's <Global variables="...">. */
  vars?: Record<string, string>;
  /** -s: the Request-URI or AOR user. Default: auth.username, else "120" for uac-120-* scenarios. */
  service?: string;
  /** -au / -ap for [authentication]. */
  auth?: { username: string; password: string };
  /** Keep the trace dir even when every call succeeded. */
  keepTraces?: boolean;
  extraArgs?: string[];
  /** Run SIPp inside this network namespace (a pair's carrier, scripts/stack/netns.ts); localPort and mediaPort required. */
  netns?: string;
}

export interface SippResult {
  /** Process exit code; null when killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** exitCode === 0 and at least one call succeeded. */
  ok: boolean;
  successful: number;
  failed: number;
  created: number;
  retransmissions: number;
  /** The last row of the -trace_stat CSV, cumulative counters ("(C)" columns) included. */
  stats: Record<string, string>;
  durationMs: number;
  stdoutTail: string;
  stderrTail: string;
  /** -trace_err content (unexpected messages, warnings), tail. */
  errorLog: string;
  /** -trace_screen: the final statistics screen with per-message counts. */
  screenLog: string;
  /** -trace_msg tail, filled only when the run failed. */
  messageLog: string;
  /** The temp dir of the traces; removed after a clean run unless keepTraces. */
  traceDir: string;
  args: string[];
}

export interface SippHandle {
  localPort: number;
  mediaPort: number;
  done: Promise<SippResult>;
  /** Ask SIPp to stop (SIGUSR1, then SIGINT, then SIGKILL) and wait for the result. */
  stop(): Promise<SippResult>;
  /** Waits until SIPp has bound its SIP port; throws with SIPp's errors if it exited first. */
  listening(timeoutMs?: number): Promise<void>;
}

/**
 * A UDP port on ip reserved in the machine-wide registry (scripts/stack/port-pool.ts) and held until
 * this process ends, so that nothing else can take it before SIPp binds it. `pairWithPlus2`: four
 * consecutive ports from an even one (SIPp binds the media port and port + 2). For a port given
 * back sooner, use leasePorts() and release the lease when its SIPp has exited.
 */
export async function freeUdpPort(ip = '127.0.0.1', pairWithPlus2 = false): Promise<number> {
  return (await leasePorts(pairWithPlus2 ? MEDIA_PORTS : 1, 'udp', ip)).port;
}

export function scenarioPath(scenario: string): string {
  const path = isAbsolute(scenario) ? scenario : join(SCENARIO_DIR, scenario);
  if (!existsSync(path)) {
    throw new CtiError('CTI_BAD_REQUEST', { scenario }, `No SIPp scenario "${scenario}"; use a file name from test/sipp.`);
  }
  return path;
}

/** The -inf file: SEQUENTIAL, one row per line, fields separated by ';' (SIPp's format). */
export function injectionCsv(rows: Array<Record<string, string>>): string {
  if (rows.length === 0) throw new CtiError('CTI_BAD_REQUEST', {}, 'Give at least one injection row.');
  const lines = rows.map((row) => {
    const values = Object.values(row);
    for (const v of values) {
      if (/[;\r\n]/.test(v)) {
        throw new CtiError('CTI_BAD_REQUEST', { value: v }, 'Injection values cannot contain ";" or line breaks.');
      }
    }
    return values.join(';');
  });
  return `SEQUENTIAL\n${lines.join('\n')}\n`;
}

/** Parse SIPp's -trace_stat CSV (';'-separated, header row first) into its last row. */
export function parseStatCsv(csv: string): Record<string, string> {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) return {};
  const header = lines[0].split(';');
  const last = lines[lines.length - 1].split(';');
  const row: Record<string, string> = {};
  header.forEach((name, i) => {
    if (name !== '') row[name] = last[i] ?? '';
  });
  return row;
}

const DEFAULT_CALLER = { caller: '13800138000', display: 'cti120 test caller' };

export interface BuiltArgs {
  args: string[];
  files: Record<string, string>;
  /** Rows to write to files.injection before starting SIPp. */
  injectionRows?: Array<Record<string, string>>;
}

/** The sipp command line for opts, with trace files in traceDir; pure apart from reading the scenario. */
export function buildSippArgs(
  opts: SippOptions,
  traceDir: string,
  ports: { localPort: number; mediaPort: number; controlPort?: number },
): BuiltArgs {
  const path = scenarioPath(opts.scenario);
  const name = opts.scenario.replace(/^.*\//, '').replace(/\.xml$/, '');
  const isUac = name.startsWith('uac-');
  const ip = opts.localIp ?? '127.0.0.1';
  const files: Record<string, string> = {};
  const args: string[] = [];
  if (opts.remote) args.push(opts.remote);
  args.push('-sf', path, '-i', ip, '-p', String(ports.localPort), '-mp', String(ports.mediaPort), '-nostdin');
  // without -cp SIPp takes the first free UDP port from 8888 up for its control socket, outside the registry
  if (ports.controlPort !== undefined) args.push('-ci', ip, '-cp', String(ports.controlPort));
  const service = opts.service ?? opts.auth?.username ?? (name.startsWith('uac-120-') ? '120' : undefined);
  if (service) args.push('-s', service);
  if (opts.auth) args.push('-au', opts.auth.username, '-ap', opts.auth.password);
  const calls = opts.calls ?? (isUac ? 1 : undefined);
  if (calls !== undefined) args.push('-m', String(calls));
  if (opts.rate !== undefined) args.push('-r', String(opts.rate));
  if (opts.concurrent !== undefined) args.push('-l', String(opts.concurrent));
  args.push('-timeout', `${opts.timeoutS ?? 60}s`, '-timeout_error');
  let injectionRows: Array<Record<string, string>> | undefined;
  if (typeof opts.injection === 'string') {
    args.push('-inf', opts.injection);
  } else {
    injectionRows = opts.injection ?? (readFileSync(path, 'utf8').includes('[field0]') ? [DEFAULT_CALLER] : undefined);
    if (injectionRows) {
      files.injection = join(traceDir, 'injection.csv');
      args.push('-inf', files.injection);
    }
  }
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push('-set', k, v);
  files.stat = join(traceDir, 'stat.csv');
  files.errors = join(traceDir, 'errors.log');
  files.screen = join(traceDir, 'screen.log');
  files.messages = join(traceDir, 'messages.log');
  args.push('-trace_stat', '-stf', files.stat, '-fd', '1');
  args.push('-trace_err', '-error_file', files.errors);
  args.push('-trace_screen', '-screen_file', files.screen);
  args.push('-trace_msg', '-message_file', files.messages);
  args.push(...(opts.extraArgs ?? []));
  return { args, files, injectionRows };
}

function readOr(path: string | undefined, fallback = ''): string {
  return path && existsSync(path) ? readFileSync(path, 'utf8') : fallback;
}

function tail(s: string, n = TAIL_CHARS): string {
  return s.length > n ? s.slice(-n) : s;
}

function num(stats: Record<string, string>, key: string): number {
  const v = Number(stats[key]);
  return Number.isFinite(v) ? v : 0;
}

/** Start SIPp in the background (a UAS, or a long UAC run). */
export async function startSipp(opts: SippOptions): Promise<SippHandle> {
  ensureTestAudio();
  const ip = opts.localIp ?? '127.0.0.1';
  if (opts.netns && (opts.localPort === undefined || opts.mediaPort === undefined)) {
    throw new CtiError('CTI_BAD_REQUEST', { netns: opts.netns }, 'Give localPort and mediaPort for SIPp in a network namespace (its ports cannot be probed from here).');
  }
  // Leased for this run and given back when SIPp has exited (it has closed its sockets then).
  const leases: PortLease[] = [];
  const leased = async (count: number, host = ip) => {
    const l = await leasePorts(count, 'udp', host);
    leases.push(l);
    return l.port;
  };
  const localPort = opts.localPort ?? (await leased(1));
  const mediaPort = opts.mediaPort ?? (await leased(MEDIA_PORTS));
  // In a namespace only this test's processes bind, on the fixed ports of its layout (SIP 5000-5999, media
  // 16000-16999): a port leased from the host's registry (12000-19999) could be one of those media ports (seen:
  // a control socket on 16000, a seat's media base). So there the control port is derived from the SIP port, in
  // 7000-7999 where no layout puts anything, unique as the SIP port is.
  const controlPort = opts.netns ? NETNS_CONTROL_BASE + (localPort % 1000) : await leased(1, ip);
  const releaseLeases = () => { for (const l of leases) l.release(); };
  const traceDir = mkdtempSync(join(tmpdir(), 'cti120-sipp-'));
  const { args, files, injectionRows } = buildSippArgs(opts, traceDir, { localPort, mediaPort, controlPort });
  if (injectionRows) writeFileSync(files.injection, injectionCsv(injectionRows));
  const started = Date.now();
  // ip netns exec execs sipp: the child's pid is SIPp's, so the stop signals below reach it
  const child = opts.netns
    ? spawn('ip', ['netns', 'exec', opts.netns, 'sipp', ...args], { cwd: traceDir, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('sipp', args, { cwd: traceDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout = tail(stdout + d.toString('utf8'), TAIL_CHARS * 4)));
  child.stderr.on('data', (d: Buffer) => (stderr = tail(stderr + d.toString('utf8'), TAIL_CHARS * 4)));
  const killTimer = setTimeout(() => child.kill('SIGKILL'), (opts.timeoutS ?? 60) * 1000 + KILL_GRACE_MS);

  const done = new Promise<SippResult>((resolve, reject) => {
    child.once('error', (e) => {
      clearTimeout(killTimer);
      releaseLeases();
      reject(new CtiError('CTI_INTERNAL', { cause: e.message }, 'Could not start sipp; install sip-tester.'));
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(killTimer);
      releaseLeases();
      const stats = parseStatCsv(readOr(files.stat));
      const successful = num(stats, 'SuccessfulCall(C)');
      const failed = num(stats, 'FailedCall(C)');
      const ok = exitCode === 0 && failed === 0 && successful > 0;
      const result: SippResult = {
        exitCode,
        signal,
        ok,
        successful,
        failed,
        created: num(stats, 'TotalCallCreated'),
        retransmissions: num(stats, 'Retransmissions(C)'),
        stats,
        durationMs: Date.now() - started,
        stdoutTail: tail(stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')),
        stderrTail: tail(stderr),
        errorLog: tail(readOr(files.errors)),
        screenLog: tail(readOr(files.screen)),
        messageLog: ok ? '' : tail(readOr(files.messages), TAIL_CHARS * 2),
        traceDir,
        args,
      };
      if (ok && !opts.keepTraces) rmSync(traceDir, { recursive: true, force: true });
      resolve(result);
    });
  });

  const stop = async (): Promise<SippResult> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGUSR1');
      const escalate = setTimeout(() => child.kill('SIGINT'), STOP_GRACE_MS);
      const last = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS * 2);
      try {
        return await done;
      } finally {
        clearTimeout(escalate);
        clearTimeout(last);
      }
    }
    return done;
  };
  const listening = async (timeoutMs = 15_000): Promise<void> => {
    let exited: SippResult | undefined;
    void done.then((r) => { exited = r; }, () => undefined);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (udpBound(localPort, ip)) return;
      if (exited) {
        throw new CtiError('CTI_INTERNAL', { port: localPort, exitCode: exited.exitCode },
          `SIPp exited before listening on UDP ${ip}:${localPort}: ${exited.errorLog || exited.stderrTail}`);
      }
      if (Date.now() >= deadline) throw new CtiError('CTI_INTERNAL', { port: localPort }, `SIPp does not listen on UDP ${ip}:${localPort} after ${timeoutMs} ms.`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { localPort, mediaPort, done, stop, listening };
}

/** Run SIPp to completion (a UAC run, or a UAS limited by calls). */
export async function runSipp(opts: SippOptions): Promise<SippResult> {
  const handle = await startSipp(opts);
  return handle.done;
}

/**
 * Whether a UDP socket is bound to ip:port (or to the wildcard address on port), read from /proc/net/udp.
 * Read, not probed by binding: a probe that binds the port for a moment can take it from the SIPp that is
 * binding it right then ("Unable to bind main socket, errno = 98").
 */
export function udpBound(port: number, ip = '127.0.0.1'): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const hexIp = ip.split('.').reverse().map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0')).join('');
  const wanted = new Set([`${hexIp}:${hexPort}`, `00000000:${hexPort}`]);
  return readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)
    .some((line) => wanted.has(line.trim().split(/\s+/)[1] ?? ''));
}

/** Wait until something listens on UDP ip:port inside a network namespace (ss from iproute2). */
export async function waitForUdpListenerIn(netns: string, ip: string, port: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const out = await new Promise<string>((resolve) => {
      execFile('ip', ['netns', 'exec', netns, 'ss', '-Hlun', 'src', `${ip}:${port}`], (err, stdout) => resolve(err ? '' : stdout));
    });
    if (out.trim() !== '') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new CtiError('CTI_INTERNAL', { port }, `Nothing listens on UDP ${ip}:${port} in ${netns}; see the SIPp error log.`);
}

/** Wait until SIPp has bound its SIP port (a background UAS must be listening before the UAC starts). */
export async function waitForUdpListener(port: number, ip = '127.0.0.1', timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (udpBound(port, ip)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new CtiError('CTI_INTERNAL', { port }, `Nothing listens on UDP ${ip}:${port}; see the SIPp error log.`);
}

/** The trace files SIPp left in a run's dir (for debugging a failed run). */
export function traceFiles(result: SippResult): string[] {
  return existsSync(result.traceDir) ? readdirSync(result.traceDir).map((f) => join(result.traceDir, f)) : [];
}
