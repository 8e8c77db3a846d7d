/**
 * A pair node's control plane is started again 2 s after it ends by itself (exit code 3: lease lost, 4: handed
 * over by a switchover, 1: could not start, e.g. its node still cut off), as systemd's `Restart=on-failure` with
 * `RestartSec=2` does in production (docs/ha.md): it comes back as standby. A stop or a kill is not undone.
 */
import type { Stack } from '../stack.ts';

const GAVE_UP_LEAD = /exited with code (1|3|4)$/;
const RESTART_AFTER_MS = 2000;

export function respawnControl(stack: Stack, log: (msg: string) => void = () => {}): void {
  const d = stack.daemons.control;
  if (!d) return;
  const previous = d.onChange;
  d.onChange = () => {
    previous();
    const ended = d.lastExit;
    if (d.running || !ended || !GAVE_UP_LEAD.test(ended)) return;
    log(`${stack.info.name}: control plane ${ended} (gave up the lead or could not start): starting it again in 2 s`);
    setTimeout(() => {
      if (d.running) return;
      void stack.control.start().catch((e) => log(`${stack.info.name}: control plane restart failed: ${String(e)}`));
    }, RESTART_AFTER_MS).unref();
  };
}
