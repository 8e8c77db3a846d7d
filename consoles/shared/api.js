/**
 * The control plane's HTTP API as the consoles use it: same origin, `Authorization: Bearer <token>`,
 * coded errors `{code, message, details}` (control/src/errors/catalogue.ts) thrown as ApiError so a page
 * can show its own Chinese text for the code.
 */
export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {unknown} [details] */
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * @param {{ token(): string | null, onUnauthorized?(err: ApiError): void }} session
 */
export function createApi(session) {
  /** @param {string} method @param {string} path @param {unknown} [body] */
  async function request(method, path, body) {
    const headers = {};
    const token = session.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', String(e?.message ?? e));
    }
    const text = await res.text();
    let parsed;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
    if (!res.ok) {
      const err = new ApiError(res.status, parsed?.code ?? `HTTP_${res.status}`, parsed?.message ?? text, parsed?.details);
      if (res.status === 401 && token) session.onUnauthorized?.(err);
      throw err;
    }
    return parsed;
  }
  return {
    get: (path) => request('GET', path),
    post: (path, body = {}) => request('POST', path, body),
    patch: (path, body) => request('PATCH', path, body),
    put: (path, body) => request('PUT', path, body),
    del: (path) => request('DELETE', path),
    request,
  };
}

/** Logs in; returns `{token, user}` as POST /v1/auth/login answers. */
export async function login(username, password) {
  return createApi({ token: () => null }).post('/v1/auth/login', { username, password });
}
