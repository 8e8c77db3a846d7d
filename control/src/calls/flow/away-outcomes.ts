/**
 * What Kamailio did with calls while no control plane heard it (docs/ha.md "Next steps" 8): the evapi events of an
 * answer and a BYE are lost while none is connected, and also when one is killed (kill -9) before Kamailio saw its
 * connection close or before it handled them; so the cfg keeps every call's answer and BYE in htables awa and awe
 * (keyed by Call-ID, 2 h expiry), which the sync reads over JSON-RPC, deleting those it applied. Without them a call
 * failed open, answered and ended while we were away was recorded abandoned with no seat, and so was a call whose
 * answer went to a control plane being killed (crash test).
 */
import type { HtableItem } from '../../engine/kamailio/jsonrpc.ts';
import type { FlowContext } from './context.ts';

export const AWAY_ANSWERED_TABLE = 'awa';
export const AWAY_ENDED_TABLE = 'awe';

export interface AwayOutcome {
  /** The seat's 2xx: when, the seat user Kamailio offered it to ('ringall' after a fail-open) and its Contact. */
  answered?: { at: Date; seat: string; contact: string };
  /** The BYE: when, and from which side. */
  ended?: { at: Date; by: 'caller' | 'seat' };
}

/** awa value "<s>|<us>|<seat b64>|<contact b64>", awe value "<s>|<us>|<by>" (engine/kamailio/kamailio.cfg.tpl). */
export function parseAwayOutcomes(answered: HtableItem[], ended: HtableItem[]): Map<string, AwayOutcome> {
  const out = new Map<string, AwayOutcome>();
  const entry = (key: string): AwayOutcome => {
    const id = key.trim();
    const o = out.get(id) ?? {};
    out.set(id, o);
    return o;
  };
  for (const item of answered) {
    const [s, us, seat, contact] = String(item.value).split('|');
    const at = timeOf(s, us);
    if (at && seat !== undefined && contact !== undefined) entry(item.name).answered = { at, seat: unbase64(seat), contact: unbase64(contact) };
  }
  for (const item of ended) {
    const [s, us, by] = String(item.value).split('|');
    const at = timeOf(s, us);
    if (at && (by === 'caller' || by === 'seat')) entry(item.name).ended = { at, by };
  }
  return out;
}

function timeOf(s: string | undefined, us: string | undefined): Date | undefined {
  if (!s || !us || !/^\d+$/.test(s) || !/^\d+$/.test(us)) return undefined;
  return new Date(Number(s) * 1000 + Math.floor(Number(us) / 1000));
}

function unbase64(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}

/** Kamailio's kept outcomes; none (logged) when JSON-RPC fails: the sync then closes those calls as before. */
export async function loadAwayOutcomes(f: FlowContext): Promise<Map<string, AwayOutcome>> {
  try {
    const [answered, ended] = await Promise.all([f.registrations.awayItems(AWAY_ANSWERED_TABLE), f.registrations.awayItems(AWAY_ENDED_TABLE)]);
    return parseAwayOutcomes(answered, ended);
  } catch (err) {
    f.deps.log.warn({ err: String(err) }, 'htable.dump of the outcomes kept while away failed: calls ended meanwhile are closed without them');
    return new Map();
  }
}

/** Used (or of a call no longer live): deleted, so a later sync does not apply it again. */
export async function forgetAwayOutcome(f: FlowContext, callId: string): Promise<void> {
  try {
    await Promise.all([f.registrations.forgetAway(AWAY_ANSWERED_TABLE, callId), f.registrations.forgetAway(AWAY_ENDED_TABLE, callId)]);
  } catch (err) {
    f.deps.log.warn({ err: String(err), call: callId }, 'outcome kept while away not deleted (expires in 2 h)');
  }
}
