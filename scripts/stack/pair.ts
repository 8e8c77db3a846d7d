/**
 * A two-node centre on one machine (docs/ha.md), in network namespaces made by netns.ts:
 *
 *   data   PostgreSQL + Redis (this phase: one of each, shared by both nodes; replication is the next phase)
 *   A, B   Kamailio (DMQ + dmq_usrloc: registrations on both), rtpengine, the control plane (one leads: the
 *          Redis lease of control/src/app/leader.ts), keepalived (VRRP) holding the floating SIP address
 *          (fenced by the lease) and the floating media address (not fenced: it moves first when a node dies)
 *   car    the carrier: test gateways and outside phones (SIPp with `netns: pair.net.ns.car`)
 *
 *   const pair = await startPair({ name: 'ha-x' });
 *   ... pair.sipRemote (the floating address), pair.nodes.a.info.api.url ...
 *   await pair.killNode('a');   // every process of A SIGKILLed and its link cut
 *   await pair.stop();          // everything stopped, namespaces removed
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createPairNetwork, type PairNetwork } from './netns.ts';
import { startStack, stateDirOf, type Stack, type StackOptions } from './stack.ts';
import { waitForDmqPeers } from './dmq-ready.ts';
import { processAlive, sigkillAll, sleep } from './daemon.ts';
import { REPO_ROOT } from './migrate.ts';
import { createKeepalived, type KeepalivedService } from './services/keepalived.ts';
import { respawnControl } from './services/respawn.ts';
import type { ServiceContext } from './services/context.ts';
import { pairConfigErrors, type PairConfig } from './pair-config.ts';
import { rtpengineRedundancy } from './services/rtpengine-redundancy.ts';
import { startReplicatedData, type ReplicatedData } from './data-pair.ts';

/**
 * Where the nodes find the data tier; `kamailioDb` overrides Kamailio's DB_URL (the replicated tier's form);
 * `rtpengineRedis` is a plain redis:// URL of the Redis master at start (rtpengine does not speak Sentinel).
 */
interface DataUrls { readonly postgres: string; readonly redis: string; readonly kamailioDb?: string; readonly rtpengineRedis: string }

export type NodeName = 'a' | 'b';
export const NODES: readonly NodeName[] = ['a', 'b'];

export interface PairOptions {
  /** Stacks are named <name>-data, <name>-a, <name>-b; default 'pair'. */
  readonly name?: string;
  /** Start the control planes (default true). */
  readonly control?: boolean;
  /** Extra environment for both control planes. */
  readonly env?: Record<string, string>;
  readonly kamailioVars?: StackOptions['kamailioVars'];
  /** VRRP advertisement interval (default PAIR_ADVERT_MS). */
  readonly advertMs?: number;
  /** The control planes' leader lease (CTI_HA_LEASE_MS; default PAIR_LEASE_MS): docs/ha.md "Time to the floating address". */
  readonly leaseMs?: number;
  /**
   * The floating address follows the leader lease (default: when the control planes run): keepalived gives it
   * up unless this node's control plane holds the lease (docs/ha.md, "Split brain").
   */
  readonly fence?: boolean;
  /**
   * The replicated data tier (scripts/stack/data-pair.ts): PostgreSQL primary/standby (pg_auto_failover) and Redis
   * master/replica on A and B, monitor and third Sentinel on the witness ("data" namespace). Default: phase 1's one
   * PostgreSQL and one Redis in the data namespace (`data`).
   */
  readonly replicatedData?: boolean;
}

export interface Pair {
  readonly name: string;
  readonly net: PairNetwork;
  readonly config: PairConfig;
  /** Phase 1's single data tier; absent with `replicatedData`. */
  readonly data?: Stack;
  /** With `replicatedData`: the replicated data tier. */
  readonly replicated?: ReplicatedData;
  /** What the control planes use: PostgreSQL (multi-host with replicatedData) and Redis (redis-sentinel:// with replicatedData). */
  readonly dataUrls: { readonly postgres: string; readonly redis: string };
  readonly nodes: Readonly<Record<NodeName, Stack>>;
  readonly keepalived: Readonly<Record<NodeName, KeepalivedService>>;
  /** The floating SIP address with the SIP port: where gateways and seats send. */
  readonly sipRemote: string;
  /** Which node holds the floating address now (from the namespaces' interfaces). */
  holder(): NodeName | undefined;
  /** Which node holds the floating media address now. */
  mediaHolder(): NodeName | undefined;
  /** A node dies at once: its link is cut and every process in its namespace gets SIGKILL. */
  killNode(node: NodeName): Promise<void>;
  stop(): Promise<void>;
}

const SIP_PORT = 5060;
const DMQ_PORT = 5090;
/** Kamailio's HTTP port in a node's namespace (JSON-RPC on the node's address, SIP over WebSocket on both). */
const KAMAILIO_HTTP_PORT = 8080;
/** The control plane's API port in a node's namespace (the well-known one, as the peer's Kamailio RPC's 8080). */
const NODE_API_PORT = 8400;

export class PairConfigError extends Error {
  readonly code = 'CTI_PAIR_HALF_CONFIGURED';
  constructor(readonly problems: string[]) {
    super(`the pair is half-configured and does not start: ${problems.join('; ')} (docs/ha.md, "Starting a pair")`);
    this.name = 'PairConfigError';
  }
}

function configOf(net: PairNetwork, name: string, opts: PairOptions): PairConfig {
  return {
    ...(fencing(opts) ? { fence: { controlPlanes: opts.control ?? true, leaseFiles: { a: leaseFileOf(name, 'a'), b: leaseFileOf(name, 'b') } } } : {}),
    vip: net.addr.vip,
    mediaVip: net.addr.mediaVip,
    prefixLength: net.prefixLength,
    nodes: { a: net.addr.a, b: net.addr.b },
    data: net.addr.data,
    dmqPort: DMQ_PORT,
    sipPort: SIP_PORT,
  };
}

/** Fails with PairConfigError unless `cfg` describes a whole pair and this machine can run it. */
export function assertPairConfig(cfg: Partial<PairConfig>): asserts cfg is PairConfig {
  const problems = pairConfigErrors(cfg);
  if (process.getuid?.() !== 0) problems.push('network namespaces and VRRP need root');
  try {
    execFileSync('keepalived', ['--version'], { stdio: 'ignore' });
  } catch {
    problems.push('keepalived is not installed (bash scripts/setup.sh installs it)');
  }
  if (cfg.fence) {
    for (const script of ['lease-fresh.sh', 'vrrp-notify.sh']) {
      try {
        accessSync(`${REPO_ROOT}/scripts/stack/services/${script}`, constants.X_OK);
      } catch {
        problems.push(`scripts/stack/services/${script} (keepalived's fencing) is missing or not executable`);
      }
    }
  }
  if (problems.length) throw new PairConfigError(problems);
}

// fencing (docs/ha.md, "Split brain"): the lease file the control plane writes and keepalived tracks, and the
// VRRP state file keepalived's notify writes (when the floating address arrived or left)
const leaseFileOf = (name: string, node: NodeName) => `${stateDirOf(`${name}-${node}`)}/ha-lease`;
const vrrpStateFileOf = (name: string, node: NodeName) => `${stateDirOf(`${name}-${node}`)}/ha-vrrp-state`;
const fencing = (opts: PairOptions) => opts.fence ?? (opts.control ?? true);
/** A pair's leader lease (a single node keeps the control plane's 3000 ms): docs/ha.md "Time to the floating address". */
export const PAIR_LEASE_MS = 1500;
/** A pair's VRRP advertisement interval (keepalived.ts's own default stays 300 ms): master-down about 0.7 s. */
export const PAIR_ADVERT_MS = 200;
/** CTI_PAIR_LEASE_MS / CTI_PAIR_ADVERT_MS override both for a whole run (comparing settings with `npm run bench -- failover`). */
const envMs = (name: string): number | undefined => (process.env[name] ? Number(process.env[name]) : undefined);

function nodeOptions(name: string, node: NodeName, cfg: PairConfig, net: PairNetwork, data: DataUrls, opts: PairOptions): StackOptions {
  const peer = node === 'a' ? 'b' : 'a';
  return {
    name: `${name}-${node}`,
    tier: 'node',
    control: opts.control ?? true,
    data: { postgresUrl: data.postgres, redisUrl: data.redis },
    netns: { name: net.ns[node], host: cfg.nodes[node] },
    kamailioDefines: ['WITH_PAIR'],
    // media on the floating media address, calls replicated through the data tier's Redis (calls in conversation survive)
    rtpengine: { mediaIp: cfg.mediaVip, redundancy: rtpengineRedundancy(data.rtpengineRedis, node) },
    kamailioVars: { SIP_DOMAIN: cfg.vip, PAIR_VIP: cfg.vip, DMQ_PORT: String(cfg.dmqPort), DMQ_PEER: cfg.nodes[peer],
      ...(data.kamailioDb ? { DB_URL: data.kamailioDb } : {}), ...opts.kamailioVars },
    env: {
      CTI_PEER_KAMAILIO_RPC_URL: `http://${cfg.nodes[peer]}:8080/RPC`,
      CTI_NODE: node,
      // browser seats (docs/ha.md, "Browser seats"): the API and the SIP WebSocket behind the floating address too
      CTI_HTTP_HOST: '0.0.0.0',
      CTI_SIP_WS_URL: `ws://${cfg.vip}:${KAMAILIO_HTTP_PORT}/`,
      ...(fencing(opts) ? { CTI_HA_LEASE_FILE: leaseFileOf(name, node) } : {}),
      CTI_HA_LEASE_MS: String(opts.leaseMs ?? envMs('CTI_PAIR_LEASE_MS') ?? PAIR_LEASE_MS),
      CTI_HA_VRRP_STATE_FILE: vrrpStateFileOf(name, node),
      CTI_PEER_API_URL: `http://${cfg.nodes[peer]}:${NODE_API_PORT}`,
      ...opts.env,
    },
  };
}

/** The media instance's priorities: equal base on both nodes, raised on the SIP master (keepalived.ts). */
const MEDIA_PRIORITY = 100;
const MEDIA_BOOST = 100;

function keepalivedFor(stack: Stack, node: NodeName, cfg: PairConfig, net: PairNetwork, advertMs?: number, leaseFile?: string): KeepalivedService {
  // 1 while this node's `sip` instance is master (vrrp-notify.sh): the media instance's boost (keepalived.ts)
  const sipMasterFile = `${stack.info.stateDir}/ha-sip-master`;
  const ctx: ServiceContext = {
    name: stack.info.name, root: REPO_ROOT, stateDir: stack.info.stateDir, host: cfg.nodes[node], ports: stack.info.ports,
    durable: false, netns: net.ns[node],
  };
  return createKeepalived(ctx, {
    dev: net.dev, peer: cfg.nodes[node === 'a' ? 'b' : 'a'], vip: cfg.vip, prefixLength: cfg.prefixLength,
    priority: node === 'a' ? 150 : 100, ...(advertMs ? { advertMs } : {}),
    // The floating address arrived: calls come here now. Kamailio counts "control plane away" from this moment
    // (cp_down_at 0 = not seen yet, engine/kamailio), so this node's control plane gets the whole FAILOPEN_AFTER_MS
    // to take the lead before a held call is failed open, as after a control-plane restart on a single node.
    // BACKUP and FAULT fence this node's Kamailio: a new INVITE is redirected to the floating address (or 503), never silence.
    ...Object.fromEntries((['Master', 'Backup', 'Fault'] as const).map((s) => [`notify${s}`,
      `${REPO_ROOT}/scripts/stack/services/vrrp-notify.sh ${stack.info.stateDir}/kamailio_ctl ${stack.info.stateDir}/ha-vrrp-state ${s.toUpperCase()} ${sipMasterFile}`])),
    ...(leaseFile ? { leaseFile } : {}),
    // the media address: not fenced, so a dead node's media moves after the master-down timer alone (docs/ha.md
    // "The media address"); the same advert interval as the SIP address's
    media: { vip: cfg.mediaVip, priority: MEDIA_PRIORITY, boost: MEDIA_BOOST, sipMasterFile, ...(advertMs ? { advertMs } : {}) },
  });
}

function addressesIn(net: PairNetwork, node: NodeName): string {
  try {
    // only interfaces that are up: a node killed with its link cut keeps the address on its dead interface
    return execFileSync('ip', ['-n', net.ns[node], '-4', '-o', 'addr', 'show', 'up'], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

export async function startPair(opts: PairOptions = {}): Promise<Pair> {
  const name = opts.name ?? 'pair';
  const net = await createPairNetwork();
  const cfg = configOf(net, name, opts);
  const started: Array<{ stop(): Promise<void> }> = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    await net.remove();
  };
  try {
    assertPairConfig(cfg);
    for (const node of NODES) await net.exec(node, 'sysctl', ['-q', '-w', 'net.ipv4.ip_nonlocal_bind=1']);
    // --- data tier: phase 1's single one, or the replicated one (docs/ha.md, "The data tier of a pair") ---
    const replicated = opts.replicatedData ? await startReplicatedData(name, net) : undefined;
    if (replicated) started.push(replicated);
    const data = replicated ? undefined : await startStack({
      name: `${name}-data`, tier: 'data', control: false,
      netns: { name: net.ns.data, host: cfg.data, clientNet: `${cfg.data}/${cfg.prefixLength}` },
    });
    if (data) started.push(data);
    const master = replicated ? await replicated.redisMasterAddr() : undefined;
    if (replicated && !master) throw new Error('the replicated data tier has no Redis master that the Sentinels agree on');
    const dataUrls: DataUrls = replicated
      ? { postgres: replicated.postgresUrl, redis: replicated.redisUrl, kamailioDb: replicated.kamailioDbUrl, rtpengineRedis: replicated.rtpengineRedisUrl }
      : { postgres: data!.info.postgres.url, redis: data!.info.redis.url, rtpengineRedis: data!.info.redis.url };
    // --- end data tier ---
    const nodes = {} as Record<NodeName, Stack>;
    const vrrp = {} as Record<NodeName, KeepalivedService>;
    for (const node of NODES) {
      const stack = await startStack(nodeOptions(name, node, cfg, net, dataUrls, opts));
      started.push(stack);
      nodes[node] = stack;
      // a control plane that gave up the lead comes back as standby (systemd's Restart= in production)
      if (fencing(opts)) respawnControl(stack, (m) => process.stderr.write(`${m}\n`));
      const ka = keepalivedFor(stack, node, cfg, net, opts.advertMs ?? envMs('CTI_PAIR_ADVERT_MS') ?? PAIR_ADVERT_MS, fencing(opts) ? leaseFileOf(name, node) : undefined);
      started.push(ka);
      await ka.start();
      vrrp[node] = ka;
      // A takes the floating address before B starts, so that B joins as backup
      if (node === 'a') {
        await ka.daemon.waitReady(async () => addressesIn(net, 'a').includes(` ${cfg.vip}/`) && addressesIn(net, 'a').includes(` ${cfg.mediaVip}/`),
          10_000, 'holding the floating SIP and media addresses');
      }
    }
    await waitForDmqPeers(Object.fromEntries(NODES.map((n) => [n, nodes[n].info.kamailio.rpcUrl])));
    const pair: Pair = {
      name,
      net,
      config: cfg,
      ...(data ? { data } : {}),
      ...(replicated ? { replicated } : {}),
      dataUrls: { postgres: dataUrls.postgres, redis: dataUrls.redis },
      nodes,
      keepalived: vrrp,
      sipRemote: `${cfg.vip}:${cfg.sipPort}`,
      holder: () => NODES.find((n) => addressesIn(net, n).includes(` ${cfg.vip}/`)),
      mediaHolder: () => NODES.find((n) => addressesIn(net, n).includes(` ${cfg.mediaVip}/`)),
      async killNode(node) {
        execFileSync('ip', ['-n', net.ns[node], 'link', 'set', net.dev, 'down']);
        await sigkillAll(execFileSync('ip', ['netns', 'pids', net.ns[node]], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number));
      },
      stop: stopAll,
    };
    return pair;
  } catch (e) {
    await stopAll();
    throw e;
  }
}
