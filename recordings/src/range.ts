/**
 * HTTP Range request header for one byte range, RFC 9110 §14.1.2 (byte ranges), §14.2 (Range),
 * §14.4 (Content-Range), §15.5.17 (416).
 *
 *   Range: bytes=0-499      first 500 octets
 *   Range: bytes=500-       from octet 500 to the end
 *   Range: bytes=-500       the last 500 octets (suffix range)
 *
 * A header that is absent, not in the "bytes" unit, syntactically invalid, or that asks for more
 * than one range is ignored (§14.2: the server MAY ignore Range; it then sends the whole file with
 * 200). A valid range that selects nothing in the file gets CTI_RANGE_NOT_SATISFIABLE (416).
 */
import { CtiError } from '../../control/src/errors/catalogue.ts';

export interface ByteRange {
  /** First octet, inclusive. */
  readonly start: number;
  /** Last octet, inclusive. */
  readonly end: number;
}

const SINGLE_RANGE = /^bytes[ \t]*=[ \t]*(?:(\d+)[ \t]*-[ \t]*(\d*)|-[ \t]*(\d+))[ \t]*$/i;

/**
 * Returns the range to serve, undefined to serve the whole representation (200), or throws
 * CtiError CTI_RANGE_NOT_SATISFIABLE with details { size, contentRange: "bytes * /size" } (416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = SINGLE_RANGE.exec(header.trim());
  if (!m) return undefined;
  const unsatisfiable = () => new CtiError('CTI_RANGE_NOT_SATISFIABLE', { size, contentRange: `bytes */${size}` });
  if (m[3] !== undefined) {
    const suffix = Number(m[3]);
    if (!Number.isSafeInteger(suffix)) return undefined;
    // §14.1.2: a suffix range selects the last N octets, or the whole file if it is shorter.
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const first = Number(m[1]);
  const last = m[2] === '' ? undefined : Number(m[2]);
  if (!Number.isSafeInteger(first) || (last !== undefined && !Number.isSafeInteger(last))) return undefined;
  // §14.1.1: a range whose last-pos is below its first-pos is invalid, hence ignored.
  if (last !== undefined && last < first) return undefined;
  // §14.1.2: satisfiable only if first-pos is below the representation's length.
  if (first >= size) throw unsatisfiable();
  return { start: first, end: Math.min(last ?? size - 1, size - 1) };
}

/** §14.4 Content-Range value for a 206 response. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}
