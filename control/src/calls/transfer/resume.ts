/**
 * After a (re)start or reconnect: transfers still open in PostgreSQL whose gateway has not sent its new INVITE get
 * their deadline back (deadlines.ts lives in the process and died with it): the remaining time, or, past it, they
 * fail at once (token_expired) and their call goes back to talking with the dispatcher.
 */
import type { PerKeySerializer } from '../../app/serial.ts';
import { armDeadline } from './deadlines.ts';
import { oldDialogOf } from './outcome.ts';
import { expireTransfer } from './start.ts';
import type { TransferDeps } from './store.ts';

export async function resumeTransferDeadlines(deps: TransferDeps, serial: PerKeySerializer, deadlineMs: number): Promise<number> {
  const open = await deps.sql<{ id: string; call_id: string; requested_at: Date }[]>`
    SELECT id::text AS id, call_id::text AS call_id, requested_at FROM call_transfers
     WHERE state IN ('requested', 'referred', 'ringing') AND new_sip_call_id IS NULL`;
  for (const t of open) {
    const sipCallId = (await oldDialogOf(deps, t.call_id)) ?? t.call_id;
    const expire = () => expireTransfer({ deps, serial }, sipCallId, t.id);
    const leftMs = new Date(t.requested_at).getTime() + deadlineMs - Date.now();
    if (leftMs <= 0) await expire();
    else armDeadline(t.id, leftMs, () => void expire());
  }
  return open.length;
}
