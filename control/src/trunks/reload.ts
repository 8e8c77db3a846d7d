/**
 * Asking Kamailio to re-read the `address` table after a trunk change. A failure is reported, not
 * thrown: the change is stored, and Kamailio picks it up at its next reload or restart.
 */
import type { Logger } from '../app/logger.ts';

export interface AddressReloader {
  permissionsAddressReload(): Promise<unknown>;
}

export interface EngineReload {
  engine_reloaded: boolean;
  engine_error?: string;
}

export async function reloadTrunkAddresses(kamailio: AddressReloader | undefined, log: Logger): Promise<EngineReload> {
  if (!kamailio) return { engine_reloaded: false, engine_error: 'no Kamailio RPC client configured' };
  try {
    await kamailio.permissionsAddressReload();
    return { engine_reloaded: true };
  } catch (err) {
    const e = err as { code?: string; message?: string; details?: unknown };
    log.warn({ err: e.message, code: e.code, details: e.details }, 'Kamailio did not reload the trunk addresses; it will read them at its next start');
    return { engine_reloaded: false, engine_error: `${e.code ?? 'error'}: ${e.message ?? String(err)}` };
  }
}
