import { writeFileSync } from 'node:fs';
import type { Logger } from '../../app/logger.ts';

const REWRITE_MS = 1000;

/**
 * The floating address follows the lease (docs/ha.md, "Split brain"): keepalived tracks this file (`track_file`,
 * weight 0: "0" = this node's control plane holds the lease, anything else = FAULT, the address is given up at
 * once) and checks each second that it was written within the last 3 s (`vrrp_script`), so a control plane that
 * died without a word fences its node too. Rewritten every second, leading or standby (a standby's fresh "1"
 * lets its node leave FAULT the moment it writes "0"). A node without a pair (no CTI_HA_LEASE_FILE) has no file.
 */
export class LeaseFile {
  private gaveUp = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly path: string | undefined, private readonly log: Logger) {}

  /** Writes the file now and every second: "0" while `holds()`, until giveUp(). */
  start(holds: () => boolean): void {
    if (!this.path) return;
    const write = () => this.write(!this.gaveUp && holds() ? '0' : '1');
    write();
    this.timer = setInterval(write, REWRITE_MS);
    this.timer.unref();
  }

  /** The lease was taken or renewed. */
  held(): void {
    if (!this.gaveUp) this.write('0');
  }

  /** This process stops leading for good (lease lost, switchover, shutdown): "1" from now on. */
  giveUp(): void {
    this.gaveUp = true;
    this.write('1');
  }

  private write(v: string): void {
    if (!this.path) return;
    try {
      writeFileSync(this.path, `${v}\n`);
    } catch (err) {
      // not fatal for the call path: keepalived's freshness check fences the node when the file goes stale
      this.log.error({ err: String(err), path: this.path }, 'could not write the lease file for keepalived');
    }
  }
}
