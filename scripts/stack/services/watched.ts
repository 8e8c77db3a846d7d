/**
 * A daemon started outside a Stack (keepalived does the same for itself): its process group is written to
 * <state>/<name>-pgids while it runs, and scripts/stack/watchdog.sh kills it if this process dies without stopping it.
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Daemon } from '../daemon.ts';
import type { ServiceContext } from './context.ts';

export function watchDaemon(ctx: ServiceContext, daemon: Daemon): void {
  const pgids = join(ctx.stateDir, `${daemon.spec.name}-pgids`);
  daemon.onChange = () => {
    if (daemon.pid) writeFileSync(pgids, `${daemon.pid}\n`);
    else rmSync(pgids, { force: true });
  };
  daemon.onChange();
  spawn('bash', [join(ctx.root, 'scripts/stack/watchdog.sh'), String(process.pid), pgids], { detached: true, stdio: 'ignore' }).unref();
}
