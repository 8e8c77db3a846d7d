/**
 * Kamailio 5.6: config rendered from engine/kamailio/kamailio.cfg.tpl (or another template),
 * checked with `kamailio -c` (its errors are shown), then run in the foreground (-DD -E) with its
 * log in <state>/logs/kamailio.log. Ready when JSON-RPC `core.version` answers at /RPC.
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commandLine, Daemon, DaemonError } from '../daemon.ts';
import { renderTemplateFile } from '../template.ts';
import { inNetns, logPath, statePath, type ServiceContext } from './context.ts';
import { kamailioVersion } from './probes.ts';
import { kamailioTlsConfig } from './tls.ts';

const run = promisify(execFile);
export const KAMAILIO_MPATH = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';
export const DEFAULT_KAMAILIO_TEMPLATE = 'engine/kamailio/kamailio.cfg.tpl';

export interface KamailioService {
  readonly daemon: Daemon;
  readonly vars: Readonly<Record<string, string>>;
  readonly rpcUrl: string;
  readonly evapiAddr: string;
  readonly configFile: string;
  /** Renders the config and checks it with `kamailio -c`; start() does this too if not yet done. */
  prepare(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The placeholder map of kamailio.cfg.tpl; `overrides` replace or add entries. */
export function kamailioVars(ctx: ServiceContext, dbUrl: string,
  overrides: Partial<Record<string, string>> = {}): Record<string, string> {
  const vars: Record<string, string> = {
    SIP_IP: ctx.host,
    // evapi and the rtpengine NG socket: only the node's own processes use them
    LOCAL_IP: ctx.host,
    SIP_PORT: String(ctx.ports.sip),
    HTTP_PORT: String(ctx.ports.http),
    EVAPI_PORT: String(ctx.ports.evapi),
    RTPENGINE_NG_PORT: String(ctx.ports.ng),
    DB_URL: dbUrl,
    RUN_DIR: ctx.stateDir,
    MPATH: KAMAILIO_MPATH,
    SIP_DOMAIN: ctx.host,
    // longer than a control-plane restart after kill -9 (start ~1.5 s + the 3 s leader lease running out)
    FAILOPEN_AFTER_MS: '6000',
    QUEUE_MAX_MS: '600000',
    // contacts in the ring-all group: a fail-open rings them all in one transaction (at most 30 branches, one used
    // by the suspension; fail-open after offers keeps its own reserve, control/src/acd/branches.ts)
    RINGALL_MAX: '24',
    // used only under #!ifdef WITH_TLS (set when the stack has a certificate)
    WSS_PORT: String(ctx.ports.wss ?? 0),
    TLS_CONFIG: statePath(ctx, 'kamailio-tls.cfg'),
    // used only under #!ifdef WITH_PAIR (a node of a pair, scripts/stack/pair.ts)
    PAIR_VIP: ctx.host,
    DMQ_PORT: '5090',
    DMQ_PEER: '',
  };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) vars[k] = v;
  return vars;
}

export function createKamailio(ctx: ServiceContext, vars: Record<string, string>, template?: string,
  extraDefines: readonly string[] = []): KamailioService {
  const templatePath = template ?? join(ctx.root, DEFAULT_KAMAILIO_TEMPLATE);
  const configFile = statePath(ctx, 'kamailio.cfg');
  const rpcUrl = `http://${ctx.host}:${ctx.ports.http}/RPC`;
  // WSS: the template's `#!ifdef WITH_TLS` part, with the tls module's config file rendered beside kamailio.cfg
  const tlsConfig = vars.TLS_CONFIG;
  const defines = [...(ctx.tls && ctx.ports.wss && tlsConfig ? ['-A', 'WITH_TLS'] : []), ...extraDefines.flatMap((d) => ['-A', d])];
  const daemon = new Daemon({
    name: 'kamailio',
    command: 'kamailio',
    args: ['-f', configFile, '-DD', '-E', '-Y', ctx.stateDir, '-w', ctx.stateDir, ...defines],
    logFile: logPath(ctx, 'kamailio'),
    cwd: ctx.stateDir,
    ...inNetns(ctx),
  });

  // a node of a pair without its peer or its floating address would serve alone: refuse (docs/ha.md)
  if (extraDefines.includes('WITH_PAIR') && (!vars.DMQ_PEER || !vars.PAIR_VIP || vars.PAIR_VIP === vars.SIP_IP)) {
    throw new Error(`Kamailio of stack ${ctx.name}: WITH_PAIR needs DMQ_PEER (the other node) and PAIR_VIP (the floating address, `
      + `not the node's own); got DMQ_PEER="${vars.DMQ_PEER ?? ''}" PAIR_VIP="${vars.PAIR_VIP ?? ''}"`);
  }
  let prepared = false;
  async function render(): Promise<void> {
    if (!existsSync(templatePath)) {
      throw new Error(`Kamailio template ${templatePath} does not exist; pass kamailioTemplate or write it`);
    }
    writeFileSync(configFile, renderTemplateFile(templatePath, vars));
    if (defines.includes('WITH_TLS') && ctx.tls && tlsConfig) writeFileSync(tlsConfig, kamailioTlsConfig(ctx.tls));
    try {
      // inside the node's namespace, where the listen addresses exist
      const check = commandLine({ command: 'kamailio', args: ['-c', '-f', configFile, '-Y', ctx.stateDir, ...defines], ...inNetns(ctx) });
      await run(check.command, check.args, { cwd: ctx.stateDir });
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      const out = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() || err.message;
      const errors = out.split('\n').filter((l) => /ERROR|error|CRITICAL/.test(l)).slice(-20).join('\n');
      throw new DaemonError('kamailio', `config check (kamailio -c -f ${configFile}) failed`, errors || out);
    }
    prepared = true;
  }

  return {
    daemon,
    vars,
    rpcUrl,
    evapiAddr: `${ctx.host}:${ctx.ports.evapi}`,
    configFile,
    prepare: render,
    async start() {
      if (!prepared) await render();
      daemon.start();
      await daemon.waitReady(async () => (await kamailioVersion(rpcUrl, 500)).length > 0, 20_000,
        'answering JSON-RPC core.version');
    },
    stop: () => daemon.stop(),
  };
}
