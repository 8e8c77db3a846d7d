/** rtpengine: config rendered from engine/rtpengine/rtpengine.conf.tpl, userspace, foreground. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon } from '../daemon.ts';
import { renderTemplateFile } from '../template.ts';
import { inNetns, logPath, statePath, type ServiceContext } from './context.ts';
import { ngPing } from './probes.ts';

export interface RtpengineService {
  readonly daemon: Daemon;
  /** host:port of the NG control socket (UDP). */
  readonly ngAddr: string;
  readonly spoolDir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RtpengineOptions {
  readonly deleteDelaySeconds?: number;
  readonly logLevel?: number;
}

export function createRtpengine(ctx: ServiceContext, opts: RtpengineOptions = {}): RtpengineService {
  const spoolDir = statePath(ctx, 'spool');
  mkdirSync(spoolDir, { recursive: true });
  const conf = statePath(ctx, 'rtpengine.conf');
  writeFileSync(conf, renderTemplateFile(join(ctx.root, 'engine/rtpengine/rtpengine.conf.tpl'), {
    IP: ctx.host,
    NG_PORT: String(ctx.ports.ng),
    PORT_MIN: String(ctx.ports.mediaMin),
    PORT_MAX: String(ctx.ports.mediaMax),
    LOG_LEVEL: String(opts.logLevel ?? 6),
    PIDFILE: statePath(ctx, 'rtpengine.pid'),
    DELETE_DELAY: String(opts.deleteDelaySeconds ?? 2),
    SPOOL_DIR: spoolDir,
  }));
  const daemon = new Daemon({
    name: 'rtpengine',
    command: 'rtpengine',
    args: [`--config-file=${conf}`, '--config-section=rtpengine'],
    logFile: logPath(ctx, 'rtpengine'),
    cwd: ctx.stateDir,
    ...inNetns(ctx),
  });
  return {
    daemon,
    ngAddr: `${ctx.host}:${ctx.ports.ng}`,
    spoolDir,
    async start() {
      daemon.start();
      await daemon.waitReady(() => ngPing(ctx.host, ctx.ports.ng, 500), 15_000, 'answering NG ping');
    },
    stop: () => daemon.stop(),
  };
}
