/**
 * Whether a person may dial a destination, and where it goes (pure: the directory's entries of the person's
 * centre in, the target out). Dispatchers dial only what the linkage directory lists for their role: an entry
 * by id, or a number that is an entry's number or matches a pattern entry allowed to the role. Anything else is
 * CTI_LINKAGE_FORBIDDEN (or CTI_LINKAGE_DESTINATION_NOT_FOUND for an unknown id); nothing is dialled.
 */
import { CtiError } from '../errors/catalogue.ts';
import { compileDialPattern, matchesDialPattern } from './dial-pattern.ts';

export const LINKAGE_KINDS = ['seat', 'queue', 'centre', 'number', 'pattern'] as const;
export type LinkageKind = (typeof LINKAGE_KINDS)[number];
export const LINKAGE_CATEGORIES = ['police', 'fire', 'traffic_police', 'county_centre', 'centre', 'hospital', 'doctor', 'seat', 'queue', 'other'] as const;
export type LinkageCategory = (typeof LINKAGE_CATEGORIES)[number];
/** Roles an entry can be given to (who dials from a console). */
export const LINKAGE_ROLES = ['dispatcher', 'supervisor', 'admin'] as const;

export interface LinkageDestination {
  id: string;
  centre_id: string;
  name: string;
  category: LinkageCategory;
  kind: LinkageKind;
  seat_id: string | null;
  queue_id: string | null;
  sip_uri: string | null;
  number: string | null;
  pattern: string | null;
  trunk_group_id: string | null;
  trunk_id: string | null;
  presented_number: string | null;
  speed_key: string | null;
  roles: string[];
  enabled: boolean;
  sort_order: number;
}

export type DialRequest = { destination_id: string } | { number: string };

/** Where the call goes: one of the kinds, with the entry that allowed it. */
export type DialTarget =
  | { kind: 'seat'; destination_id: string; name: string; seat_id: string }
  | { kind: 'queue'; destination_id: string; name: string; queue_id: string }
  | {
    kind: 'centre'; destination_id: string; name: string; sip_uri: string;
    trunk_group_id: string | null; trunk_id: string | null; presented_number: string | null;
  }
  | {
    kind: 'number'; destination_id: string; name: string; number: string;
    trunk_group_id: string | null; trunk_id: string | null; presented_number: string | null;
  };

/** Whether a person holding `held` may use the entry (admin may use every entry). */
export function mayUse(entry: Pick<LinkageDestination, 'roles'>, held: readonly string[]): boolean {
  return held.includes('admin') || entry.roles.some((r) => held.includes(r));
}

export function resolveDial(entries: readonly LinkageDestination[], held: readonly string[], req: DialRequest): DialTarget {
  if ('destination_id' in req) {
    const e = entries.find((d) => d.id === req.destination_id && d.enabled && d.kind !== 'pattern');
    if (!e) throw new CtiError('CTI_LINKAGE_DESTINATION_NOT_FOUND', { id: req.destination_id });
    if (!mayUse(e, held)) throw new CtiError('CTI_LINKAGE_FORBIDDEN', { id: e.id, roles: e.roles });
    return targetOf(e);
  }
  const number = req.number;
  const exact = entries.filter((d) => d.enabled && d.kind === 'number' && d.number === number);
  const patterns = entries
    .filter((d) => d.enabled && d.kind === 'pattern' && d.pattern !== null && matchesDialPattern(compileDialPattern(d.pattern), number))
    .sort((a, b) => a.sort_order - b.sort_order || a.id.localeCompare(b.id));
  const allowed = [...exact, ...patterns].find((d) => mayUse(d, held));
  if (allowed) return allowed.kind === 'pattern' ? { ...numberTarget(allowed), number } : targetOf(allowed);
  const known = exact.length + patterns.length > 0;
  throw new CtiError('CTI_LINKAGE_FORBIDDEN', { number, reason: known ? 'not allowed to your role' : 'not in the linkage directory' });
}

function targetOf(e: LinkageDestination): DialTarget {
  const base = { destination_id: e.id, name: e.name };
  switch (e.kind) {
    case 'seat': return { kind: 'seat', ...base, seat_id: e.seat_id! };
    case 'queue': return { kind: 'queue', ...base, queue_id: e.queue_id! };
    case 'centre': return { kind: 'centre', ...base, sip_uri: e.sip_uri!, trunk_group_id: e.trunk_group_id, trunk_id: e.trunk_id, presented_number: e.presented_number };
    case 'number':
    case 'pattern': return numberTarget(e);
  }
}

function numberTarget(e: LinkageDestination): Extract<DialTarget, { kind: 'number' }> {
  return {
    kind: 'number', destination_id: e.id, name: e.name, number: e.number ?? '',
    trunk_group_id: e.trunk_group_id, trunk_id: e.trunk_id, presented_number: e.presented_number,
  };
}
