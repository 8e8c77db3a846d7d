/** Readiness probes: one small request each, over loopback. */
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

/** Redis: `PING` answered by `+PONG` (RESP simple string). */
export function redisPing(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('redis PING timed out')); }, timeoutMs);
    sock.once('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) {
        clearTimeout(timer);
        sock.end();
        if (buf.startsWith('+PONG')) resolve(true);
        else reject(new Error(`redis answered ${buf.trim()}`));
      }
    });
    sock.write('PING\r\n');
  });
}

/**
 * rtpengine NG protocol ping: "<cookie> <bencode dict>" over UDP, answered by
 * "<cookie> d6:result4:ponge" (rtpengine docs, "ng control protocol", command "ping").
 */
export function ngPing(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const cookie = randomBytes(6).toString('hex');
    const sock = createSocket('udp4');
    const timer = setTimeout(() => { sock.close(); reject(new Error('rtpengine NG ping timed out')); }, timeoutMs);
    sock.once('error', (e) => { clearTimeout(timer); sock.close(); reject(e); });
    sock.on('message', (msg) => {
      const text = msg.toString('latin1');
      if (!text.startsWith(`${cookie} `)) return;
      clearTimeout(timer);
      sock.close();
      if (text.slice(cookie.length + 1) === 'd6:result4:ponge') resolve(true);
      else reject(new Error(`rtpengine answered ${text}`));
    });
    // a connected socket: while nothing listens yet, the ICMP port-unreachable fails this probe at once
    // (ECONNREFUSED) instead of after the whole timeout, so a waiting start retries within its poll interval
    sock.connect(port, host, () => sock.send(`${cookie} d7:command4:pinge`));
  });
}

/**
 * fetch, with the cause in the message of a failure ("fetch failed" alone does not tell a refused connection
 * from a reset one or from a port fetch refuses to use, "bad port").
 */
async function fetchNaming(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message;
    throw why ? new Error(`${(e as Error).message} (${why})`, { cause: e }) : e;
  }
}

/** Kamailio JSON-RPC over xhttp: POST /RPC {"method":"core.version"}; returns the version text. */
export async function kamailioVersion(rpcUrl: string, timeoutMs = 1000): Promise<string> {
  const res = await fetchNaming(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'core.version', id: 1 }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`kamailio JSON-RPC answered HTTP ${res.status}`);
  const body = (await res.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error) throw new Error(`kamailio JSON-RPC error: ${body.error.message ?? JSON.stringify(body.error)}`);
  return String(body.result);
}

/** HTTP GET answered with 200. */
export async function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  const res = await fetchNaming(url, { signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  return res.status === 200;
}
