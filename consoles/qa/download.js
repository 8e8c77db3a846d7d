/**
 * Downloads a file the API serves only with `Authorization: Bearer` (score-card exports, evidence
 * bundles): fetch it, then save the blob under the server's Content-Disposition name. Coded errors
 * come back as ApiError, like every other call of the page.
 */
import { ApiError } from '../shared/api.js';

/** The file name of a Content-Disposition header (RFC 6266: filename* in UTF-8 first, then filename). */
export function dispositionName(header, fallback) {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header ?? '');
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="([^"]+)"/i.exec(header ?? '');
  return plain ? plain[1] : fallback;
}

/** @param {string | null} token @param {string} path @param {string} fallbackName */
export async function downloadFile(token, path, fallbackName) {
  let res;
  try {
    res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', String(e?.message ?? e));
  }
  if (!res.ok) {
    const text = await res.text();
    let body;
    try { body = JSON.parse(text); } catch { body = undefined; }
    throw new ApiError(res.status, body?.code ?? `HTTP_${res.status}`, body?.message ?? text, body?.details);
  }
  const blob = await res.blob();
  const name = dispositionName(res.headers.get('content-disposition'), fallbackName);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { name, bytes: blob.size };
}
