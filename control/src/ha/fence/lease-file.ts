import { writeFileSync } from 'node:fs';
import type { Logger } from '../../app/logger.ts';

/**
 * The floating address follows the lease (docs/ha.md, "Split brain"): keepalived tracks this file
 * (`track_file`, weight 0: "0" = this node's control plane holds the lease, anything else = FAULT, the
 * address is given up) and checks that it was written within the last seconds (`vrrp_script`), so a control
 * plane that died without a word fences its node too. Written on every renewal; a node without a pair
 * (no CTI_HA_LEASE_FILE) has no file.
 */
export class LeaseFile {
  constructor(private readonly path: string | undefined, private readonly log: Logger) {}

  held(): void {
    this.write('0');
  }

  notHeld(): void {
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
