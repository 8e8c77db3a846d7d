/**
 * Caller numbers as the lists store them: digits only, without the country code (+86, 0086) and without the
 * trunk prefix 0 that carriers put before a mobile number from another area. Landline area codes keep their 0
 * (010, 0755 ...), so a prefix entry "0755" matches every Shenzhen landline.
 */
const MOBILE = /^1[3-9]\d{9}$/;

export function normaliseNumber(raw: string | null | undefined): string {
  let n = (raw ?? '').replace(/[^0-9+]/g, '');
  if (n.startsWith('+')) n = n.slice(1);
  n = n.replace(/\+/g, '');
  if (n.startsWith('0086')) n = n.slice(4);
  else if (n.startsWith('86') && n.length > 11) n = n.slice(2);
  if (n.length === 12 && n.startsWith('0') && MOBILE.test(n.slice(1))) n = n.slice(1);
  return n;
}

/** Whether a number can be screened at all (anonymous and withheld callers cannot, and are never held back). */
export function isScreenable(n: string): boolean {
  return n.length > 0;
}
