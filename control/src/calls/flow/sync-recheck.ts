/**
 * The sync reconciles each live call Kamailio did not re-send inside that call's own chain of events (app/serial.ts:
 * every change to a call goes through its chain), on a fresh read of the call. What it listed at the start may be
 * behind by then: a call's earlier events (its arrival's PostgreSQL writes, a CANCEL) can still be running when the
 * sync is asked for. Reconciling outside the chain wrote the call's end first and its arrival's row and 'queued' state
 * after, so the record of a call the caller had cancelled stayed 'queued' for ever (the CANCEL-crosses-the-offer test:
 * 3 of 10 runs on main). Pure.
 *
 * - gone: retired meanwhile (its own events closed it): nothing to do;
 * - moved: its state or offer attempt changed since the sync listed it: its events handled it after the dialog list
 *   was read (e.g. answered: a dialog the list does not have), so the list must not judge it; the next event or sync does;
 * - reconcile: as listed: judged against the dialog list and what Kamailio kept while we were away.
 */
import type { LiveCall } from '../store.ts';

export type SyncRecheck = 'gone' | 'moved' | 'reconcile';

export function syncRecheck(listed: LiveCall, now: LiveCall | undefined, stillLive: boolean): SyncRecheck {
  if (!now || !stillLive) return 'gone';
  if (now.state !== listed.state || now.attempt !== listed.attempt) return 'moved';
  return 'reconcile';
}
