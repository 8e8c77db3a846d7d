/** JSON Schemas shared by the routes: the coded error body, identifiers, timestamps. */

export const ERROR_SCHEMA_ID = 'CtiError';

/** The body of every error response: `{code, message, details?}` (see errors/catalogue.ts). */
export const errorSchema = {
  $id: ERROR_SCHEMA_ID,
  type: 'object',
  description: 'A coded error. `code` is stable (CTI_*); `message` tells the user what to do; `details` names the failing fields or ids.',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', pattern: '^CTI_[A-Z0-9_]+$' },
    message: { type: 'string' },
    details: {},
  },
} as const;

const errorRef = { $ref: `${ERROR_SCHEMA_ID}#` } as const;

/** Response schemas for the given error statuses, all with the coded error body. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorRef> {
  return Object.fromEntries(statuses.map((s) => [s, errorRef]));
}

/** What a route with a body may also answer: not valid (400), over 1 MiB (413), not JSON (415). */
export const BODY_ERROR_STATUSES = [400, 413, 415] as const;

/** The errors any authenticated route can answer, plus the extra statuses given. */
export function authedErrors(...extra: number[]): Record<number, typeof errorRef> {
  return errorResponses(400, 401, 403, 500, ...extra);
}

/** A short identifier chosen by people (seat, trunk, queue, centre ids): letters, digits, `_.-`. */
export const slug = { type: 'string', pattern: '^[a-zA-Z0-9_.-]{1,64}$' } as const;
export const uuid = { type: 'string', format: 'uuid' } as const;
export const dateTime = { type: 'string', format: 'date-time' } as const;
export const displayName = { type: 'string', minLength: 1, maxLength: 64 } as const;

export const slugParams = {
  type: 'object', additionalProperties: false, required: ['id'], properties: { id: slug },
} as const;

export const uuidParams = {
  type: 'object', additionalProperties: false, required: ['id'], properties: { id: uuid },
} as const;

export const noQuery = { type: 'object', additionalProperties: false, properties: {} } as const;

export const noContent = { type: 'null', description: 'No content' } as const;
