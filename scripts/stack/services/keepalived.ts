/**
 * keepalived (VRRP only) holding a pair's floating SIP address (docs/ha.md). VRRPv3 with adverts every
 * 300 ms, unicast to the peer (no multicast needed on the bridge), both nodes start as BACKUP with
 * `nopreempt`: the first one up becomes master, and a node that comes back stays backup. Runs in the
 * node's network namespace, in the foreground, logging to <state>/logs/keepalived.log.
 *
 * A pair also runs a second instance, `media`, for the floating media address (docs/ha.md "The media address"):
 * not fenced (a dead node's media moves after the master-down timer alone, about 0.7 s, not after the lease),
 * preemptive, and boosted on the node whose `sip` instance is master (a file the notify script writes), so in
 * steady state media follows the SIP address and after a node's death it moves first.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon } from '../daemon.ts';
import { inNetns, logPath, statePath, type ServiceContext } from './context.ts';

export interface VrrpOptions {
  /** The interface that carries the node's address (and gets the floating one). */
  readonly dev: string;
  readonly peer: string;
  /** The floating address and its prefix length. */
  readonly vip: string;
  readonly prefixLength: number;
  /** Higher wins when both start at once. */
  readonly priority: number;
  /** VRRP advertisement interval (centisecond precision with VRRPv3). */
  readonly advertMs?: number;
  /** A command run (as root, in the namespace) each time this node becomes master. */
  readonly notifyMaster?: string;
  /** Commands run each time this node becomes backup, or enters FAULT (it gave up or may not take the address). */
  readonly notifyBackup?: string;
  readonly notifyFault?: string;
  /**
   * Fencing (docs/ha.md, "Split brain"): the file the control plane writes ("0" while it holds the leader lease).
   * The instance is in FAULT (no floating address) unless it reads "0" and was written within the last 3 s.
   */
  readonly leaseFile?: string;
  /** The floating media address's instance (a pair): see the header. */
  readonly media?: MediaVrrpOptions;
}

export interface MediaVrrpOptions {
  readonly vip: string;
  /** Base priority (the same on both nodes: the boost decides). */
  readonly priority: number;
  readonly advertMs?: number;
  /** A file holding 1 while this node's `sip` instance is master, else 0 (vrrp-notify.sh writes it). */
  readonly sipMasterFile: string;
  /** Added to the priority while the file holds 1. */
  readonly boost: number;
}

export type VrrpState = 'MASTER' | 'BACKUP' | 'FAULT' | 'unknown';

export interface KeepalivedService {
  readonly daemon: Daemon;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The last state keepalived logged for the SIP address's instance (`sip`). */
  state(): VrrpState;
  /** The same for the media address's instance (`media`), 'unknown' without one. */
  mediaState(): VrrpState;
}

export function keepalivedConfig(ctx: ServiceContext, o: VrrpOptions): string {
  return [
    '# rendered by scripts/stack/services/keepalived.ts',
    'global_defs {',
    `  router_id ${ctx.name}`,
    '  vrrp_version 3',
    '  vrrp_garp_master_delay 0',
    '  vrrp_garp_master_repeat 3',
    '  enable_script_security',
    '  script_user root',
    '}',
    ...(o.leaseFile ? leaseTracking(ctx, o.leaseFile) : []),
    ...vrrpInstance(ctx, o, { name: 'sip', vrid: 120, preempt: false, priority: o.priority, advertMs: o.advertMs, vip: o.vip }, [
      ...(o.notifyMaster ? [`  notify_master "${o.notifyMaster}"`] : []),
      ...(o.notifyBackup ? [`  notify_backup "${o.notifyBackup}"`] : []),
      ...(o.notifyFault ? [`  notify_fault "${o.notifyFault}"`] : []),
      ...(o.leaseFile ? ['  track_file {\n    lease\n  }', '  track_script {\n    lease_fresh\n  }'] : []),
    ]),
    ...(o.media ? mediaInstance(ctx, o, o.media) : []),
    '',
  ].join('\n');
}

interface Instance { name: string; vrid: number; preempt: boolean; priority: number; advertMs: number | undefined; vip: string }

/** One vrrp_instance block: both nodes start as BACKUP, adverts unicast to the peer, `extra` lines at its end. */
function vrrpInstance(ctx: ServiceContext, o: VrrpOptions, i: Instance, extra: string[]): string[] {
  return [
    `vrrp_instance ${i.name} {`,
    '  state BACKUP',
    ...(i.preempt ? [] : ['  nopreempt']),
    `  interface ${o.dev}`,
    `  virtual_router_id ${i.vrid}`,
    `  priority ${i.priority}`,
    `  advert_int ${((i.advertMs ?? 300) / 1000).toFixed(2)}`,
    `  unicast_src_ip ${ctx.host}`,
    `  unicast_peer {\n    ${o.peer}\n  }`,
    `  virtual_ipaddress {\n    ${i.vip}/${o.prefixLength} dev ${o.dev}\n  }`,
    ...extra,
    '}',
  ];
}

/** The `media` instance: no lease, preemptive, boosted while this node holds the SIP address (header). */
function mediaInstance(ctx: ServiceContext, o: VrrpOptions, m: MediaVrrpOptions): string[] {
  return [
    'track_file sip_master {',
    `  file "${m.sipMasterFile}"`,
    `  weight ${m.boost}`,
    '  init_file 0',
    '}',
    ...vrrpInstance(ctx, o, { name: 'media', vrid: 121, preempt: true, priority: m.priority, advertMs: m.advertMs, vip: m.vip },
      ['  track_file {\n    sip_master\n  }']),
  ];
}

/** The lease file, tracked at once on every change (inotify), and its freshness checked each second. */
function leaseTracking(ctx: ServiceContext, file: string): string[] {
  return [
    'track_file lease {',
    `  file "${file}"`,
    '  weight 0',
    '  init_file 1',
    '}',
    'vrrp_script lease_fresh {',
    `  script "${join(ctx.root, 'scripts/stack/services/lease-fresh.sh')} ${file}"`,
    '  interval 1',
    '  timeout 1',
    '  rise 1',
    '  fall 1',
    '  init_fail',
    '}',
  ];
}

export function createKeepalived(ctx: ServiceContext, o: VrrpOptions): KeepalivedService {
  const conf = statePath(ctx, 'keepalived.conf');
  writeFileSync(conf, keepalivedConfig(ctx, o));
  const log = logPath(ctx, 'keepalived');
  const daemon = new Daemon({
    name: 'keepalived',
    command: 'keepalived',
    args: ['--vrrp', '--dont-fork', '--log-console', '--no-syslog', '--use-file', conf,
      '--pid', statePath(ctx, 'keepalived.pid'), '--vrrp_pid', statePath(ctx, 'keepalived-vrrp.pid')],
    logFile: log,
    cwd: ctx.stateDir,
    ...inNetns(ctx),
  });
  // like the stack's daemons: killed by scripts/stack/watchdog.sh if this process dies without stopping it
  const pgids = statePath(ctx, 'keepalived-pgids');
  daemon.onChange = () => {
    if (daemon.pid) writeFileSync(pgids, `${daemon.pid}\n`);
    else rmSync(pgids, { force: true });
  };
  const stateOf = (instance: 'sip' | 'media'): VrrpState => {
    let text: string;
    try {
      text = readFileSync(log, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'unknown';
      throw e;
    }
    // keepalived 2.2 logs "(sip) Entering MASTER STATE" but "(sip) entering FAULT state"
    const all = [...text.matchAll(new RegExp(`\\(${instance}\\) entering (MASTER|BACKUP|FAULT) state`, 'gi'))];
    return (all.at(-1)?.[1] as VrrpState | undefined) ?? 'unknown';
  };
  const state = () => stateOf('sip');
  return {
    daemon,
    state,
    mediaState: () => (o.media ? stateOf('media') : 'unknown'),
    async start() {
      writeFileSync(log, '');
      daemon.start();
      spawn('bash', [join(ctx.root, 'scripts/stack/watchdog.sh'), String(process.pid), pgids], { detached: true, stdio: 'ignore' }).unref();
      await daemon.waitReady(async () => state() !== 'unknown' && (!o.media || stateOf('media') !== 'unknown'), 15_000, 'in VRRP state MASTER, BACKUP or FAULT');
    },
    stop: () => daemon.stop(),
  };
}
