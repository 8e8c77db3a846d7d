import type { AppDeps } from '../../app/deps.ts';
import type { HtableItem, KamailioRpc } from '../../engine/kamailio/jsonrpc.ts';
import { isCtiError } from '../../errors/catalogue.ts';
import { seatIdForSipUser } from './store.ts';

/**
 * Which seats are registered at Kamailio. Kamailio reports each REGISTER and each expired contact
 * over evapi; the truth is asked from usrloc (ul.lookup / ul.dump) and kept in Redis with the
 * binding's own expiry, so a seat whose phone vanished stops being offered calls when its binding ends.
 */
export const regKey = (sipUser: string): string => `cti:reg:${sipUser}`;
const RINGALL_AORS = new Set(['ringall', 'ringall-core']); // the engine's ring-all groups, not seats

interface LookupContact { Contact?: { Address?: string; Expires?: number | string } }

/**
 * usrloc's ul.lookup refuses with "AOR not found" (no record) or "AOR has no contacts" (a record whose last
 * binding is going, e.g. a WebSocket that closed): both mean not registered. Any other refusal is an error.
 */
export function lookupMeansUnregistered(err: unknown): boolean {
  return isCtiError(err, 'CTI_KAMAILIO_RPC_ERROR') && /not found|no contacts/i.test(JSON.stringify(err.details));
}

export class RegistrationTracker {
  constructor(private readonly deps: AppDeps, private readonly rpc: KamailioRpc, private readonly onChange: (sipUser: string, registered: boolean) => void) {}

  async refresh(sipUser: string): Promise<boolean> {
    let contacts: { address: string; expires: number }[] = [];
    try {
      const r = await this.rpc.call<{ Contacts?: LookupContact[] }>('ul.lookup', ['location', sipUser]);
      contacts = (r.Contacts ?? []).map((c) => ({ address: c.Contact?.Address ?? '', expires: Number(c.Contact?.Expires) }))
        .filter((c) => Number.isFinite(c.expires) && c.expires > 0);
    } catch (err) {
      if (!lookupMeansUnregistered(err)) throw err;
    }
    return this.store(sipUser, contacts);
  }

  /** After (re)connecting: take every binding from usrloc at once. */
  async syncAll(): Promise<number> {
    const rows = await this.rpc.ulDump();
    const byAor = new Map<string, { address: string; expires: number }[]>();
    for (const c of rows) {
      if (RINGALL_AORS.has(c.aor) || c.expires <= 0) continue;
      const list = byAor.get(c.aor) ?? [];
      list.push({ address: c.contact, expires: c.expires });
      byAor.set(c.aor, list);
    }
    const known = await this.deps.redis.keys('cti:reg:*');
    for (const k of known) {
      const user = k.slice('cti:reg:'.length);
      if (!byAor.has(user)) await this.store(user, []);
    }
    for (const [aor, contacts] of byAor) await this.store(aor, contacts);
    return byAor.size;
  }

  private async store(sipUser: string, contacts: { address: string; expires: number }[]): Promise<boolean> {
    const key = regKey(sipUser);
    const before = (await this.deps.redis.exists(key)) === 1;
    const registered = contacts.length > 0;
    if (registered) {
      const ttl = Math.max(...contacts.map((c) => c.expires)) + this.deps.config.registrationGraceS;
      await this.deps.redis.set(key, JSON.stringify(contacts.map((c) => c.address)), 'EX', ttl);
    } else {
      await this.deps.redis.del(key);
    }
    if (before !== registered) {
      const seatId = await seatIdForSipUser(this.deps, sipUser);
      if (seatId) {
        await this.deps.bus.publish('seat.registration_changed.v1', { seat_id: seatId, registered, contacts: contacts.length });
      }
      this.onChange(sipUser, registered);
    }
    return registered;
  }

  /** Kamailio's dialogs (dlg.list), for reconciling live calls after a reconnect. */
  async dialogs(): Promise<Record<string, unknown>[]> {
    return this.rpc.dlgList();
  }

  /** What Kamailio kept while no control plane was connected (calls/flow/away-outcomes.ts), for the sync. */
  async awayItems(table: string): Promise<HtableItem[]> {
    return this.rpc.htableDump(table);
  }

  async forgetAway(table: string, callId: string): Promise<void> {
    await this.rpc.htableDelete(table, callId);
  }

  /** The seat whose binding has this host:port (ring-all answers carry only the phone's Contact). */
  async sipUserByContact(contactUri: string): Promise<string | undefined> {
    // the Contact as sent (RFC 3261 20.10: a display name, <>, parameters; the scheme in any case, 19.1.4)
    const uri = /<([^>]*)>/.exec(contactUri)?.[1] ?? contactUri.trim();
    const hostPort = /@?([^@;>:]+:\d+)/.exec(uri.replace(/^sips?:/i, ''))?.[1];
    if (!hostPort) return undefined;
    for (const key of await this.deps.redis.keys('cti:reg:*')) {
      const v = await this.deps.redis.get(key);
      if (v && v.includes(hostPort)) return key.slice('cti:reg:'.length);
    }
    return undefined;
  }
}

export async function registeredSet(deps: AppDeps, sipUsers: string[]): Promise<Set<string>> {
  if (sipUsers.length === 0) return new Set();
  const p = deps.redis.pipeline();
  for (const u of sipUsers) p.exists(regKey(u));
  const res = (await p.exec()) ?? [];
  return new Set(sipUsers.filter((_, i) => res[i]?.[1] === 1));
}

/** Registered contacts per SIP user (Redis `cti:reg:<user>`, a JSON list): each is a branch of a fork. */
export async function contactCounts(deps: Pick<AppDeps, 'redis'>, sipUsers: string[]): Promise<Map<string, number>> {
  const values = sipUsers.length === 0 ? [] : await deps.redis.mget(...sipUsers.map(regKey));
  return new Map(sipUsers.map((u, i) => {
    try {
      const list: unknown = JSON.parse(values[i] ?? '[]');
      return [u, Array.isArray(list) ? list.length : 1];
    } catch {
      return [u, 1];
    }
  }));
}
