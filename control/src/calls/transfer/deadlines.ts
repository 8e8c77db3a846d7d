/**
 * The deadline of each transfer in flight (docs/transfers.md "Timers"): armed when it starts, cleared when the
 * gateway's new INVITE arrives or the transfer ends. On expiry the transfer fails (token_expired) and the caller,
 * who never left the dispatcher, stays there. The timer belongs to the transfer's requested/referred states and dies
 * with them; the token's Redis TTL and Kamailio's htable expiry are the same deadline, so a restart that loses this
 * timer still leaves nothing usable behind (the transfer row is then closed by the next NOTIFY or the old dialog's end).
 */
const timers = new Map<string, NodeJS.Timeout>();

export function armDeadline(transferId: string, ms: number, onExpiry: () => void): void {
  clearDeadline(transferId);
  const t = setTimeout(() => {
    timers.delete(transferId);
    onExpiry();
  }, ms);
  t.unref();
  timers.set(transferId, t);
}

export function clearDeadline(transferId: string): void {
  const t = timers.get(transferId);
  if (t) clearTimeout(t);
  timers.delete(transferId);
}
