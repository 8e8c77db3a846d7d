/** Small page helpers the supervisor panels share: element lookup, banners, coded errors in Chinese. */
import { t, zh } from './i18n/zh-CN.js';

export const $ = (id) => document.getElementById(id);

/** An ApiError as the app's Chinese text; a 400 names the fields (by their Chinese labels) that were wrong. */
export function errorText(e) {
  const code = e?.code ?? '?';
  const fields = Array.isArray(e?.details?.fields) ? e.details.fields : [];
  if (code === 'CTI_BAD_REQUEST' && fields.length > 0) {
    const names = [...new Set(fields.map((f) => {
      const key = String(f.field ?? '').split('/').filter(Boolean).pop() ?? '';
      return zh.fields[key] ?? (key || '?');
    }))];
    return t(zh.errors.badFields, { fields: names.join('、') });
  }
  const known = zh.errors[code];
  if (known) return t(known, { error_id: e?.details?.error_id ?? '?' });
  return t(zh.errors.unknown, { code, message: e?.message ?? String(e) });
}

/** One banner per topic in #banners (consoles/shared/banner.js). */
export { banner } from '../shared/banner.js';

/** A form's fields as an object of trimmed strings. */
export function formValues(form) {
  const out = {};
  for (const [k, v] of new FormData(form)) out[k] = String(v).trim();
  return out;
}

/** Runs `fn` with the button disabled (no double submit). */
export async function busy(button, fn) {
  button.disabled = true;
  try { return await fn(); } finally { button.disabled = false; }
}
