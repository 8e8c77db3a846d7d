/**
 * A refused field of a request body, in the shape schema validation gives (`details.fields`), for the checks
 * a JSON Schema cannot express (a date that must lie ahead, a field that needs another).
 */
import { CtiError } from './catalogue.ts';

export function bodyFieldError(field: string, message: string): CtiError {
  return new CtiError('CTI_BAD_REQUEST', { fields: [{ in: 'body', field, message }] });
}

/**
 * Refuses an expiry that is not in the future (`hint` says what to do instead, e.g. delete the entry).
 * Absent or null (never expires) passes. Returns the date, or null.
 */
export function futureDate(value: string | null | undefined, field: string, hint: string, now = new Date()): Date | null {
  if (value === undefined || value === null) return null;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw bodyFieldError(field, 'must be a date-time');
  if (at <= now) throw bodyFieldError(field, `must be in the future; ${hint}`);
  return at;
}
