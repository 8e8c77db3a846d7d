/**
 * Names and one-time SIP passwords of a surge's seats, and the login link handed to each person.
 * The password is shown once (in the create answer) and only its digests (HA1, HA1B) are stored.
 */
import { randomBytes } from 'node:crypto';

/** Seat ids and SIP user names share the seats' pattern ^[a-zA-Z0-9_.-]{2,32}$. */
export const PREFIX_PATTERN = '^[a-zA-Z][a-zA-Z0-9_.-]{0,23}$';
const PREFIX_RE = new RegExp(PREFIX_PATTERN);

export interface SurgeSeatName {
  id: string;
  sip_username: string;
  display_name: string;
}

/** A default prefix unlikely to repeat: "sg" and 4 random base-36 characters. */
export function defaultPrefix(): string {
  const n = randomBytes(4).readUInt32BE(0) % 36 ** 4;
  return `sg${n.toString(36).padStart(4, '0')}`;
}

export function isValidPrefix(prefix: string): boolean {
  return PREFIX_RE.test(prefix);
}

/** `prefix-01` .. `prefix-NN` (at least two digits, so they sort in order). */
export function surgeSeatNames(prefix: string, count: number): SurgeSeatName[] {
  const width = Math.max(2, String(count).length);
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(width, '0');
    return { id: `${prefix}-${n}`, sip_username: `${prefix}-${n}`, display_name: `临时席位 ${prefix}-${n}` };
  });
}

/** 18 random bytes as base64url: 24 characters, 144 bits. */
export function oneTimeSipPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** The dispatcher console with the seat filled in: `<origin>/consoles/dispatcher/?seat=<id>&sip_user=<user>`. */
export function loginLink(origin: string, seat: { id: string; sip_username: string }): string {
  const q = new URLSearchParams({ seat: seat.id, sip_user: seat.sip_username });
  return `${origin.replace(/\/+$/, '')}/consoles/dispatcher/?${q}`;
}

/**
 * A surge seat's own `seats.expires_at`: a backstop after the surge's expiry, so Kamailio stops authenticating
 * it even if no control plane ran the expiry. The surge's expiry itself is enforced by the expiry tick, which
 * lets a seat in a call finish it first (an expired seat would lose its live state mid-call).
 */
export const SEAT_BACKSTOP_MS = 12 * 3600_000;

export function seatBackstop(expiresAt: Date): Date {
  return new Date(expiresAt.getTime() + SEAT_BACKSTOP_MS);
}
