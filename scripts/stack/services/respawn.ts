/**
 * A pair node's control plane is started again when it ends by itself after giving up the lead (exit code 3:
 * lease lost, 4: handed over by a switchover), as systemd's `Restart=on-failure` does in production (docs/ha.md):
 * it comes back as standby. A stop or a kill by the test or the stack is not undone.
 */
import type { Stack } from '../stack.ts';

const GAVE_UP_LEAD = /exited with code (3|4)$/;

export function respawnControl(stack: Stack, log: (msg: string) => void = () => {}): void {
  const d = stack.daemons.control;
  if (!d) return;
  const previous = d.onChange;
  d.onChange = () => {
    previous();
    const ended = d.lastExit;
    if (d.running || !ended || !GAVE_UP_LEAD.test(ended)) return;
    log(`${stack.info.name}: control plane ${ended} (gave up the lead): starting it again as standby`);
    setImmediate(() => void stack.control.start().catch((e) => log(`${stack.info.name}: control plane restart failed: ${String(e)}`)));
  };
}
