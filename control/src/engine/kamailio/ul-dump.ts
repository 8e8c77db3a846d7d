/**
 * Flattens Kamailio 5.6 `ul.dump` (usrloc module, src/modules/usrloc/ul_rpc.c) into one row per contact.
 * Shape verified against kamailio 5.6.3:
 *   {Domains:[{Domain:{Domain:"location", AoRs:[{Info:{AoR, Contacts:[{Contact:{Address, Expires,
 *   Received, Socket, Call-ID, User-Agent, Instance, Ruid, Path, ...}}]}}]}}]}
 * "Expires" is the seconds left, or "permanent" / "expired" / "deleted"; unset strings read "[not set]".
 */
import { CtiError } from '../../errors/catalogue.ts';

export interface UlContact {
  /** The usrloc table ("location"). */
  domain: string;
  aor: string;
  contact: string;
  /** Seconds left; 0 when expired or deleted. */
  expires: number;
  permanent: boolean;
  received?: string;
  socket?: string;
  callId?: string;
  userAgent?: string;
  instance?: string;
  path?: string;
  ruid?: string;
}

const NOT_SET = '[not set]';

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== NOT_SET && v !== '' ? v : undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function parseUlDump(result: unknown): UlContact[] {
  const root = obj(result);
  if (!Array.isArray(root.Domains)) {
    throw new CtiError('CTI_ENGINE_PROTOCOL', { engine: 'kamailio', method: 'ul.dump', reason: 'no Domains list in the result' });
  }
  const out: UlContact[] = [];
  for (const d of root.Domains) {
    const domain = obj(obj(d).Domain);
    const domainName = text(domain.Domain) ?? '';
    for (const a of list(domain.AoRs)) {
      const info = obj(obj(a).Info);
      const aor = text(info.AoR);
      if (aor === undefined) continue;
      for (const c of list(info.Contacts)) {
        const ct = obj(obj(c).Contact);
        const address = text(ct.Address);
        if (address === undefined) continue;
        const exp = ct.Expires;
        out.push(
          dropUndefined({
            domain: domainName,
            aor,
            contact: address,
            expires: typeof exp === 'number' ? exp : 0,
            permanent: exp === 'permanent',
            received: text(ct.Received),
            socket: text(ct.Socket),
            callId: text(ct['Call-ID']),
            userAgent: text(ct['User-Agent']),
            instance: text(ct.Instance),
            path: text(ct.Path),
            ruid: text(ct.Ruid),
          }),
        );
      }
    }
  }
  return out;
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
