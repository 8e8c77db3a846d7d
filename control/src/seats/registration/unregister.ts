/**
 * Dropping a seat's registrations from Kamailio's usrloc (kamailio.cfg.tpl route[REGISTRAR] saves each
 * binding twice: under the seat's AoR and, mirrored, under the ring-all AoR used by fail-open), for a seat
 * logged out (drop-on-logout.ts) or retired (a surge seat disabled, surge/end.ts). Disabling a seat already
 * makes Kamailio refuse its next REGISTER or INVITE (the subscriber view); this also stops calls being
 * relayed to the binding it had, including by a fail-open ring-all.
 */
import type { AppDeps } from '../../app/deps.ts';
import { isCtiError } from '../../errors/catalogue.ts';

/** The part of engine/kamailio/jsonrpc.ts KamailioRpc this needs. */
export interface UsrlocRpc {
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>;
}

/** The ring-all group and its core (engine cfg route REGISTRAR mirrors every binding into both). */
const RINGALL_AORS = ['ringall', 'ringall-core'];

interface LookupAnswer { Contacts?: { Contact?: { Address?: string } }[] }

function isNotFound(err: unknown): boolean {
  return isCtiError(err, 'CTI_KAMAILIO_RPC_ERROR') && /not found/i.test(JSON.stringify(err.details));
}

async function tolerateNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Returns the number of bindings dropped; Kamailio errors other than "not found" are logged, not thrown. */
export async function dropRegistrations(deps: Pick<AppDeps, 'log'>, rpc: UsrlocRpc, sipUser: string): Promise<number> {
  try {
    let addresses: string[] = [];
    try {
      const r = await rpc.call<LookupAnswer>('ul.lookup', ['location', sipUser]);
      addresses = (r.Contacts ?? []).map((c) => c.Contact?.Address ?? '').filter((a) => a !== '');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    for (const address of addresses) {
      for (const aor of RINGALL_AORS) await tolerateNotFound(rpc.call('ul.rm_contact', ['location', aor, address]));
    }
    await tolerateNotFound(rpc.call('ul.rm', ['location', sipUser]));
    return addresses.length;
  } catch (err) {
    deps.log.warn({ err: String(err), sip_user: sipUser }, 'seat registration could not be dropped from Kamailio; a disabled seat is refused at its next REGISTER');
    return 0;
  }
}
