/**
 * What a pair needs to be whole (docs/ha.md): the floating SIP and media addresses, both nodes' addresses, the data
 * tier's, all distinct IPv4 addresses in one subnet, and distinct SIP and DMQ ports. Pure: tested in
 * test/unit/stack/pair-config.test.ts; startPair adds the machine's checks (root, keepalived).
 */
export interface PairConfig {
  readonly vip: string;
  /** The floating media address (rtpengine's), moved by its own, unfenced VRRP instance (docs/ha.md). */
  readonly mediaVip: string;
  readonly prefixLength: number;
  readonly nodes: { readonly a: string; readonly b: string };
  readonly data: string;
  readonly sipPort: number;
  readonly dmqPort: number;
  /**
   * Fencing (docs/ha.md "Split brain"): the floating address follows the leader lease, so both control planes must
   * run and each node needs a lease file of its own for keepalived to track.
   */
  readonly fence?: { readonly controlPlanes: boolean; readonly leaseFiles: { readonly a?: string; readonly b?: string } };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function toInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** Every problem of `cfg`, in words an operator can act on; empty when the pair is whole. */
export function pairConfigErrors(cfg: Partial<PairConfig>): string[] {
  const problems: string[] = [];
  const addrs: Array<[string, string | undefined]> = [
    ['the floating address (vip)', cfg.vip], ['the floating media address (mediaVip)', cfg.mediaVip], ['node A', cfg.nodes?.a], ['node B', cfg.nodes?.b], ['the data tier', cfg.data],
  ];
  for (const [what, v] of addrs) {
    if (!v) problems.push(`${what} has no address`);
    else if (!IPV4.test(v)) problems.push(`${what}: "${v}" is not an IPv4 address`);
  }
  const given = addrs.flatMap(([, v]) => (v && IPV4.test(v) ? [v] : []));
  if (new Set(given).size !== given.length) problems.push(`the addresses must all differ (${given.join(', ')})`);
  const len = cfg.prefixLength;
  if (len === undefined || !Number.isInteger(len) || len < 8 || len > 30) problems.push('prefixLength must be 8-30');
  else if (given.length > 1) {
    const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
    const nets = new Set(given.map((a) => (toInt(a) & mask) >>> 0));
    if (nets.size > 1) problems.push(`the addresses are not in one /${len} (VRRP moves the floating address within one link)`);
  }
  for (const [what, p] of [['sipPort', cfg.sipPort], ['dmqPort', cfg.dmqPort]] as const) {
    if (p === undefined || !Number.isInteger(p) || p < 1 || p > 65535) problems.push(`${what} must be a port number`);
  }
  if (cfg.sipPort !== undefined && cfg.sipPort === cfg.dmqPort) problems.push('sipPort and dmqPort must differ');
  if (cfg.fence) {
    if (!cfg.fence.controlPlanes) problems.push('fencing needs both control planes: the floating address follows the leader lease they hold (start them, or fence: false)');
    const { a, b } = cfg.fence.leaseFiles;
    if (!a || !b) problems.push(`each node needs a lease file for keepalived to track (missing: ${[!a && 'A', !b && 'B'].filter(Boolean).join(', ')})`);
    else if (a === b) problems.push('the two nodes must not share one lease file');
  }
  return problems;
}
