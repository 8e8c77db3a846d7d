/**
 * Roles of the people who use the 120 CTI core, and what each implies.
 *   admin      -> every role, read and write
 *   supervisor -> its own rights, plus the dispatcher's read-only rights (watching, not acting as a seat)
 *   dispatcher, qa -> only themselves
 *   integration -> a machine client of another module (dispatch/CAD, medical records): reads calls and the event
 *                  stream and attaches incident ids to calls; no seat, console or administration rights (least
 *                  privilege, MLPS): a CAD never needs a supervisor's account
 */
export const ROLES = ['dispatcher', 'supervisor', 'qa', 'admin', 'integration'] as const;
export type Role = (typeof ROLES)[number];

/** Read access is GET/HEAD (including WebSocket upgrades); everything else is write. */
export type Access = 'read' | 'write';

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export function accessOf(method: string): Access {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}

/** Whether a person holding `held` may act in role `required` with the given access. */
export function roleSatisfies(held: readonly string[], required: Role, access: Access): boolean {
  if (held.includes('admin') || held.includes(required)) return true;
  return required === 'dispatcher' && access === 'read' && held.includes('supervisor');
}

/** Whether any of `required` is satisfied (an empty list means: any logged-in person). */
export function hasAnyRole(held: readonly string[], required: readonly Role[], access: Access): boolean {
  return required.length === 0 || required.some((r) => roleSatisfies(held, r, access));
}
