/**
 * Asking Kamailio to re-read the `address` table (and dispatcher's trunk group members) after a trunk or trunk group change. A failure is reported, not
 * thrown: the change is stored, and Kamailio picks it up at its next reload or restart.
 *
 * Kamailio's permissions module refuses a reload within `reload_delta` seconds (default 5) of the
 * previous one, answering "ongoing reload"; two admin changes in a row would then leave Kamailio with
 * the first. So that refusal is retried, once a second, for a little longer than the default delta.
 */
import type { Logger } from '../app/logger.ts';

export interface AddressReloader {
  permissionsAddressReload(): Promise<unknown>;
  /** Trunk groups: dispatcher's `dispatcher` view (absent: only the address table is reloaded). */
  dispatcherReload?(): Promise<unknown>;
}

export interface EngineReload {
  engine_reloaded: boolean;
  engine_error?: string;
}

export interface ReloadOptions {
  retryForMs?: number;
  retryEveryMs?: number;
}

interface RpcFailure { code?: string; message?: string; details?: { message?: string } }

function describe(err: unknown): string {
  const e = err as RpcFailure;
  const detail = e?.details?.message;
  return `${e?.code ?? 'error'}: ${e?.message ?? String(err)}${detail ? ` (${detail})` : ''}`;
}

function isReloadThrottled(err: unknown): boolean {
  const e = err as RpcFailure;
  return e?.code === 'CTI_KAMAILIO_RPC_ERROR' && /ongoing reload/i.test(e.details?.message ?? '');
}

export async function reloadTrunkAddresses(
  kamailio: AddressReloader | undefined, log: Logger, opts: ReloadOptions = {},
): Promise<EngineReload> {
  if (!kamailio) return { engine_reloaded: false, engine_error: 'no Kamailio RPC client configured' };
  const deadline = Date.now() + (opts.retryForMs ?? 6500);
  const every = opts.retryEveryMs ?? 1000;
  for (;;) {
    try {
      await kamailio.permissionsAddressReload();
      // a trunk's address or enabled flag is also a group member's probe address
      await kamailio.dispatcherReload?.();
      return { engine_reloaded: true };
    } catch (err) {
      if (isReloadThrottled(err) && Date.now() + every <= deadline) {
        await new Promise((resolve) => setTimeout(resolve, every));
        continue;
      }
      const error = describe(err);
      log.warn({ error }, 'Kamailio did not reload the trunk addresses; it will read them at its next reload or start');
      return { engine_reloaded: false, engine_error: error };
    }
  }
}

/**
 * The Kamailios of both nodes of a pair (docs/ha.md): a trunk change must reach the standby node too, or
 * its Kamailio would challenge that gateway's calls after a failover. The local reload decides the answer;
 * the peer's is retried and logged (a peer that is down reads the table when it starts).
 */
export function withPeerReload(local: AddressReloader, peer: AddressReloader | undefined, log: Logger): AddressReloader {
  if (!peer) return local;
  return {
    async permissionsAddressReload() {
      const [mine] = await Promise.allSettled([local.permissionsAddressReload(), reloadTrunkAddresses(peer, log)]);
      if (mine.status === 'rejected') throw mine.reason;
    },
    // reloadTrunkAddresses above reloads the peer's dispatcher too; this is the local one
    ...(local.dispatcherReload ? { dispatcherReload: () => local.dispatcherReload!() } : {}),
  };
}
