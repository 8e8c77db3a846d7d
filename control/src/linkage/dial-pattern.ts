/**
 * Number patterns of the linkage directory, written as PBX dial plans are (what a centre's telephony engineer
 * knows from Asterisk or an E1 gateway):
 *   digits  themselves          X  any digit 0-9        Z  1-9        N  2-9
 *   [1-5] or [135]  one digit of the set                .  one or more further digits (last only)
 * e.g. `1XXXXXXXXXX` (a mobile number), `0571NXXXXXXX` (a Hangzhou landline), `120.` Compiled to an anchored
 * regular expression with no nesting or alternation, so matching is linear (no user-written RegExp is ever run).
 */
import { CtiError } from '../errors/catalogue.ts';

const MAX_PATTERN = 40;

export interface DialPattern {
  source: string;
  regex: RegExp;
  /** Digits a number must have at least (and at most, unless the pattern ends in `.`). */
  minLength: number;
  open: boolean;
}

export function compileDialPattern(source: string): DialPattern {
  const bad = (reason: string): never => { throw new CtiError('CTI_LINKAGE_DESTINATION_INVALID', { field: '/pattern', pattern: source, reason }); };
  if (source.length === 0 || source.length > MAX_PATTERN) bad(`1 to ${MAX_PATTERN} characters`);
  let re = '^';
  let n = 0;
  let open = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (open) bad('"." may only end the pattern');
    if (c >= '0' && c <= '9') re += c;
    else if (c === 'X' || c === 'x') re += '[0-9]';
    else if (c === 'Z' || c === 'z') re += '[1-9]';
    else if (c === 'N' || c === 'n') re += '[2-9]';
    else if (c === '.') { re += '[0-9]+'; open = true; continue; }
    else if (c === '[') {
      const end = source.indexOf(']', i);
      if (end < 0) bad('"[" without "]"');
      const set = source.slice(i + 1, end);
      if (!/^([0-9](-[0-9])?)+$/.test(set)) bad('a set holds digits and ranges of digits, e.g. [1-5] or [135]');
      for (const m of set.matchAll(/([0-9])-([0-9])/g)) if (m[1] > m[2]) bad(`range ${m[0]} runs backwards`);
      re += `[${set}]`;
      i = end;
    } else bad(`"${c}" is not a digit, X, Z, N, [set] or "."`);
    n += 1;
  }
  if (n === 0 && !open) bad('no digit position');
  return { source, regex: new RegExp(`${re}$`), minLength: open ? n + 1 : n, open };
}

export function matchesDialPattern(p: DialPattern, number: string): boolean {
  return /^[0-9]+$/.test(number) && p.regex.test(number);
}
