/**
 * Ports for a process's own endpoints (SIPp signalling, media and control sockets, trunk ports, a
 * daemon a test spawns), from blocks this process reserves in the machine-wide registry
 * (./ports.ts) and holds until it ends. Within the process a lease is handed out once and comes
 * back on release(); every port is checked bindable when leased, so a squatter outside the
 * registry is skipped instead of failing a bind later.
 *
 *   const sip = await leasePorts(1, 'udp');        // sip.port
 *   const media = await leasePorts(4, 'udp');      // SIPp binds media.port and media.port + 2
 *   ...
 *   sip.release(); media.release();                // when the process that bound them has exited
 */
import { allocatePorts, canBindTcp, canBindUdp, LOOPBACK, releasePorts, reserveBlock, type Proto } from './ports.ts';

const BLOCK_SIZE = 100;
const MAX_BLOCKS = 20;

export interface PortLease {
  /** The first port; the lease holds `count` consecutive ports from it. */
  readonly port: number;
  readonly count: number;
  /** Gives the ports back to this process's pool (idempotent). */
  release(): void;
}

const blocks: Array<readonly [number, number]> = [];
const leased = new Set<number>();
let growing: Promise<void> | undefined;

function blockOwner(start: number): string {
  return `process-${process.pid}-block-${start}`;
}

async function grow(): Promise<void> {
  growing ??= (async () => {
    if (blocks.length >= MAX_BLOCKS) {
      throw new Error(`this process holds ${leased.size} ports in ${blocks.length} blocks; a test leaks leases (release() them)`);
    }
    blocks.push(await reserveBlock(blockOwner(blocks.length), BLOCK_SIZE));
  })().finally(() => { growing = undefined; });
  await growing;
}

/** Candidate starts in the held blocks: aligned to the lease size's power of two, so pairs stay even. */
function* candidates(count: number): Generator<number> {
  let align = 1;
  while (align < count) align *= 2;
  for (const [start, end] of blocks) {
    for (let p = start; p + count - 1 <= end; p += align) yield p;
  }
}

async function bindable(first: number, count: number, proto: Proto, hosts: readonly string[]): Promise<boolean> {
  for (let p = first; p < first + count; p++) {
    for (const host of hosts) {
      if (proto !== 'udp' && !(await canBindTcp(p, host))) return false;
      if (proto !== 'tcp' && !(await canBindUdp(p, host))) return false;
    }
  }
  return true;
}

/**
 * `count` consecutive ports, bindable now for `proto` on loopback (and on `host` when another
 * address), reserved for this process and not leased to anyone else in it until release().
 */
export async function leasePorts(count = 1, proto: Proto = 'both', host = LOOPBACK): Promise<PortLease> {
  if (!Number.isInteger(count) || count < 1 || count > BLOCK_SIZE) throw new Error(`cannot lease ${count} consecutive ports`);
  const hosts = host === LOOPBACK ? [LOOPBACK] : [LOOPBACK, host];
  for (;;) {
    for (const first of candidates(count)) {
      let mine = true;
      for (let p = first; mine && p < first + count; p++) mine = !leased.has(p);
      if (!mine) continue;
      // taken before the await, so that a concurrent lease in this process skips these ports
      for (let p = first; p < first + count; p++) leased.add(p);
      if (await bindable(first, count, proto, hosts)) return lease(first, count);
      for (let p = first; p < first + count; p++) leased.delete(p);
    }
    await grow();
  }
}

function lease(port: number, count: number): PortLease {
  let released = false;
  return {
    port,
    count,
    release() {
      if (released) return;
      released = true;
      for (let p = port; p < port + count; p++) leased.delete(p);
    },
  };
}

/** A port held for the rest of this process (a trunk's, a spawned daemon's): never released. */
export async function holdPort(proto: Proto = 'both', host = LOOPBACK): Promise<number> {
  return (await leasePorts(1, proto, host)).port;
}

/** Gives this process's blocks back to the registry at once (a long-lived process that is done with them). */
export async function releaseBlocks(): Promise<void> {
  const held = blocks.splice(0);
  leased.clear();
  await Promise.all(held.map((_, i) => releasePorts(blockOwner(i))));
}

let mediaSeq = 0;

/** A range of `size` UDP ports in the media area (for an rtpengine a test spawns), held until this process ends. */
export async function holdMediaRange(size: number): Promise<readonly [number, number]> {
  return (await allocatePorts(`process-${process.pid}-media-${mediaSeq++}`, [], size)).media;
}
