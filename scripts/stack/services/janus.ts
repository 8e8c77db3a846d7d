/**
 * Janus (Debian's `janus`), the AudioBridge mixer (docs/mixer.md): configs rendered from media/janus/*.jcfg.tpl
 * into <state>/janus/, WebSocket API on loopback, plain-RTP ports in a range of its own from the port registry
 * (never rtpengine's), secrets generated on the stack's first start and kept in <state>/janus/secrets.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Daemon } from '../daemon.ts';
import { renderTemplateFile } from '../template.ts';
import { inNetns, logPath, statePath, type ServiceContext } from './context.ts';

export const JANUS_LIB_DIR = '/usr/lib/x86_64-linux-gnu/janus';
const TEMPLATES = ['janus.jcfg', 'janus.transport.websockets.jcfg', 'janus.plugin.audiobridge.jcfg'] as const;

export interface JanusSecrets {
  /** Every API request carries it (janus.jcfg api_secret). */
  readonly apiSecret: string;
  /** Admin API, and the AudioBridge's admin_key (only its holder creates rooms). */
  readonly adminSecret: string;
}

export interface JanusPorts {
  readonly ws: number;
  readonly rtpMin: number;
  readonly rtpMax: number;
}

export interface JanusService {
  readonly daemon: Daemon;
  /** ws://host:port/ of the WebSocket API (subprotocol janus-protocol). */
  readonly wsUrl: string;
  readonly secrets: JanusSecrets;
  readonly recordingsDir: string;
  readonly rtpPorts: readonly [number, number];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface JanusOptions {
  readonly debugLevel?: number;
  /**
   * reclaim_session_timeout in seconds (default 60): how long the rooms of a control plane that died wait for the
   * restarted one to claim them (a restart took 13-28 s on a loaded 2-core machine).
   */
  readonly reclaimS?: number;
}

/** The stack's secrets: made once per state folder, so a restarted Janus and control plane agree. */
export function janusSecrets(dir: string): JanusSecrets {
  const file = join(dir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as JanusSecrets;
  const s: JanusSecrets = { apiSecret: randomBytes(18).toString('base64url'), adminSecret: randomBytes(18).toString('base64url') };
  writeFileSync(file, JSON.stringify(s) + '\n', { mode: 0o600 });
  return s;
}

export function createJanus(ctx: ServiceContext, ports: JanusPorts, opts: JanusOptions = {}): JanusService {
  const dir = statePath(ctx, 'janus');
  const recordingsDir = join(dir, 'recordings');
  mkdirSync(recordingsDir, { recursive: true });
  const secrets = janusSecrets(dir);
  const vars = {
    CONFIG_DIR: dir,
    LIB_DIR: JANUS_LIB_DIR,
    DEBUG_LEVEL: String(opts.debugLevel ?? 3),
    API_SECRET: secrets.apiSecret,
    ADMIN_SECRET: secrets.adminSecret,
    RECLAIM_S: String(opts.reclaimS ?? 60),
    IP: ctx.host,
    WS_PORT: String(ports.ws),
    RTP_MIN: String(ports.rtpMin),
    RTP_MAX: String(ports.rtpMax),
  };
  for (const name of TEMPLATES) {
    writeFileSync(join(dir, name), renderTemplateFile(join(ctx.root, 'media/janus', `${name}.tpl`), vars));
  }
  const daemon = new Daemon({
    name: 'janus',
    command: 'janus',
    // -F: configs from our folder only; in the foreground, logs to stdout (the Daemon's log file) without colours
    args: ['-F', dir, '-C', join(dir, 'janus.jcfg'), '-o'],
    logFile: logPath(ctx, 'janus'),
    cwd: dir,
    ...inNetns(ctx),
  });
  const wsUrl = `ws://${ctx.host}:${ports.ws}/`;
  return {
    daemon,
    wsUrl,
    secrets,
    recordingsDir,
    rtpPorts: [ports.rtpMin, ports.rtpMax],
    async start() {
      daemon.start();
      await daemon.waitReady(() => janusInfo(wsUrl, secrets.apiSecret, 1000).then((i) => i.plugins.includes('janus.plugin.audiobridge')),
        15_000, 'answering info with the AudioBridge loaded');
    },
    stop: () => daemon.stop(),
  };
}

export interface JanusInfo {
  readonly version: string;
  readonly plugins: string[];
}

/** `{"janus":"info"}` over the WebSocket API (subprotocol janus-protocol): the server's version and plugins. */
export function janusInfo(wsUrl: string, apiSecret: string, timeoutMs = 1000): Promise<JanusInfo> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, 'janus-protocol');
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('janus info timed out')); }, timeoutMs);
    const done = (err?: Error, info?: JanusInfo) => {
      clearTimeout(timer);
      ws.terminate();
      if (err) reject(err);
      else resolve(info!);
    };
    ws.once('error', (e) => done(e));
    ws.once('open', () => ws.send(JSON.stringify({ janus: 'info', transaction: 'probe', apisecret: apiSecret })));
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { janus?: string; version_string?: string; plugins?: Record<string, unknown>; error?: { reason?: string } };
      if (m.janus === 'server_info') done(undefined, { version: String(m.version_string), plugins: Object.keys(m.plugins ?? {}) });
      else done(new Error(`janus answered ${m.janus}: ${m.error?.reason ?? ''}`));
    });
  });
}
