/**
 * The stack from the command line.
 *   tsx scripts/stack/cli.ts start [name] [--no-control] [--kamailio-template=<file>]
 *                                                         start, print addresses, run until Ctrl-C
 *   tsx scripts/stack/cli.ts start --pair [name]           a two-node centre in network namespaces (docs/ha.md;
 *                                                         root; `npm run pair`), name defaults to "pair";
 *                                                         --replicated-data: PostgreSQL and Redis failover (docs/ha.md)
 *   tsx scripts/stack/cli.ts stop [name]                   stop a stack running in another terminal (a pair: stop --pair)
 *   tsx scripts/stack/cli.ts status [name]                 addresses and which daemons are alive
 *   tsx scripts/stack/cli.ts clean                         delete the state folders of stopped stacks other than dev
 * The name defaults to "dev".
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { processAlive } from './daemon.ts';
import { readStackInfo, removeStackState, runRoot, startStack, stopStackByName, type Stack, type StackInfo } from './stack.ts';
import { controlMainExists } from './services/control.ts';
import { startPair, type Pair } from './pair.ts';
import { REPO_ROOT } from './migrate.ts';

function describe(info: StackInfo): string {
  const rows: Array<[string, string]> = [
    ['SIP (UDP/TCP)', `sip:${info.sip.domain} at ${info.sip.udp}`],
    ['SIP WebSocket', info.sip.ws],
    ...(info.sip.wss ? [['SIP WSS', info.sip.wss] as [string, string]] : []),
    ['HTTP API', info.api.enabled ? info.api.url : `${info.api.url} (control plane not started)`],
    ['Event WebSocket', info.api.eventsWs],
    ['Metrics', `${info.api.url}/metrics (Authorization: Bearer ${info.api.metricsToken})`],
    // HTTPS is served once control/src/main.ts calls listenHttps (control/src/api/https.ts)
    ...(info.api.httpsUrl ? [['HTTPS', `${info.api.httpsUrl}/consoles/`] as [string, string]] : []),
    ...(info.tls ? [['TLS certificate', `${info.tls.cert}${info.tls.ca ? ` (CA ${info.tls.ca})` : ''}`] as [string, string]] : []),
    ['Kamailio JSON-RPC', info.kamailio.rpcUrl],
    ['Kamailio evapi', info.kamailio.evapi],
    ['rtpengine NG', `${info.rtpengine.ng} (media UDP ${info.rtpengine.mediaPorts.join('-')})`],
    ['PostgreSQL', info.postgres.url],
    ['Redis', info.redis.url],
    ['State folder', info.stateDir],
    ['Logs', info.logsDir],
  ];
  return rows.map(([k, v]) => `  ${k.padEnd(18)} ${v}`).join('\n');
}

/**
 * Ctrl-C, SIGTERM and SIGHUP stop what `running()` returns, then exit. Installed before the start, so the
 * stack library leaves signal handling to us. Returns whether a stop has begun.
 */
function stopOnSignals(what: string, running: () => { stop(): Promise<void> } | undefined): () => boolean {
  let stopping = false;
  const shutdown = (sig: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${sig}: stopping ${what} ...`);
    (running()?.stop() ?? Promise.resolve()).then(() => { console.log('stopped'); process.exit(0); },
      (e: unknown) => { console.error((e as Error).message); process.exit(1); });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => shutdown(sig));
  return () => stopping;
}

async function startPairCli(name: string, replicatedData = false): Promise<void> {
  let pair: Pair | undefined;
  const stopping = stopOnSignals(`pair "${name}"`, () => pair);
  const t0 = Date.now();
  pair = await startPair({ name, replicatedData });
  if (stopping()) return;
  console.log(`pair "${name}" up in ${Date.now() - t0} ms; floating SIP address ${pair.sipRemote} (held by node ${pair.holder()?.toUpperCase()})`);
  console.log(`  namespaces: ${Object.values(pair.net.ns).join(' ')} (enter one: ip netns exec <name> bash)`);
  console.log(`--- data ---\n  ${'PostgreSQL'.padEnd(18)} ${pair.dataUrls.postgres}\n  ${'Redis'.padEnd(18)} ${pair.dataUrls.redis}`);
  for (const [label, stack] of [['node A', pair.nodes.a], ['node B', pair.nodes.b]] as const) {
    console.log(`--- ${label} ---\n${describe(stack.info)}`);
  }
  console.log(`  (Ctrl-C or \`tsx scripts/stack/cli.ts stop --pair ${name}\` stops it and removes the namespaces)`);
  setInterval(() => {}, 1 << 30);
}

async function start(name: string, args: string[]): Promise<void> {
  const control = args.includes('--no-control') ? false : controlMainExists(REPO_ROOT);
  if (!control && !args.includes('--no-control')) {
    console.log('note: control/src/main.ts does not exist yet; starting without the control plane');
  }
  let stack: Stack | undefined;
  const stopping = stopOnSignals(`stack "${name}"`, () => stack);
  const t0 = Date.now();
  const tpl = args.find((a) => a.startsWith('--kamailio-template='))?.split('=')[1];
  stack = await startStack({ name, control, ...(tpl ? { kamailioTemplate: resolve(tpl) } : {}) });
  if (stopping()) return;
  console.log(`stack "${name}" up in ${Date.now() - t0} ms:\n${describe(stack.info)}\n`
    + `  (${join(stack.info.stateDir, 'stack.json')}; Ctrl-C or \`npm stop\` stops it)`);
  // Stay alive until a signal arrives.
  setInterval(() => {}, 1 << 30);
}

function status(name: string): number {
  const info = readStackInfo(name);
  if (!info) {
    console.log(`stack "${name}": never started`);
    return 1;
  }
  const alive = Object.entries(info.pids).map(([svc, pid]) => `${svc} ${pid} ${pid && processAlive(pid) ? 'up' : 'down'}`);
  const running = !info.stoppedAt && processAlive(info.ownerPid);
  const state = !running ? `stopped${info.stoppedAt ? ` at ${info.stoppedAt}` : ''}`
    : `running (owner pid ${info.ownerPid}, since ${info.startedAt}; ${info.ready ? `ready at ${info.readyAt}` : 'starting'})`;
  console.log(`stack "${name}": ${state}`);
  console.log(describe(info));
  console.log(`  ${'Daemons'.padEnd(18)} ${alive.join(', ') || '-'}`);
  return running ? 0 : 3;
}

function clean(): void {
  const root = runRoot();
  let n = 0;
  if (!existsSync(root)) return;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'dev') continue;
    // the set-up's certificate (scripts/setup.d/30-tls.sh), not a stack
    if (entry.name === 'tls') continue;
    const info = readStackInfo(entry.name);
    if (info && !info.stoppedAt && processAlive(info.ownerPid)) continue;
    // No stack.json yet: possibly a stack that is starting right now.
    if (!info && Date.now() - statSync(join(root, entry.name)).mtimeMs < 3_600_000) continue;
    removeStackState(entry.name);
    n++;
  }
  console.log(`removed ${n} stopped stack folder(s) from ${root}`);
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  const pair = rest.includes('--pair');
  const name = rest.find((a) => !a.startsWith('--')) ?? (pair ? 'pair' : 'dev');
  switch (cmd) {
    case 'start':
      return pair ? startPairCli(name, rest.includes('--replicated-data')) : start(name, rest);
    case 'stop': {
      // a pair's owner process stops the whole pair when asked to stop its node A
      const r = await stopStackByName(pair ? `${name}-a` : name);
      const what = pair ? 'pair' : 'stack';
      console.log(r === 'stopped' ? `${what} "${name}" stopped` : `${what} "${name}" is not running`);
      return;
    }
    case 'status':
      process.exitCode = status(name);
      return;
    case 'clean':
      return clean();
    default:
      console.error('usage: tsx scripts/stack/cli.ts start|stop|status [name] [--pair [--replicated-data]] [--no-control] [--kamailio-template=<file>] | clean');
      process.exitCode = 2;
  }
}

main().catch((e: unknown) => {
  console.error(`stack: ${(e as Error).message}`);
  process.exit(1);
});
