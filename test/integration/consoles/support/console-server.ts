/**
 * Where the browser finds the consoles during a test: the control plane's own URL (main.ts serves
 * consolesRoutes). With `ownServer` (the network-drop test points the pages at a SIP WebSocket relay),
 * a small Fastify server in the test process serves consoles/ with the same plugin and passes every other
 * request (HTTP and the event WebSocket upgrade) through to the control plane, so the pages stay same-origin.
 */
import { connect, type Socket } from 'node:net';
import Fastify from 'fastify';
import { consolesRoutes } from '../../../../control/src/api/routes/consoles.ts';
import { errorSchema } from '../../../../control/src/api/schemas/common.ts';

export interface ConsoleServer {
  /** Origin the pages are loaded from, e.g. http://127.0.0.1:40123 */
  url: string;
  /** True when the control plane serves the consoles itself (no test server). */
  servedByControlPlane: boolean;
  close(): Promise<void>;
}

/** `ownServer`: serve the consoles from the test process even when the control plane could (to point them at another SIP URL). */
export async function startConsoleServer(apiUrl: string, sip: { ws: string; domain: string }, opts: { ownServer?: boolean } = {}): Promise<ConsoleServer> {
  if (!opts.ownServer) {
    const probe = await fetch(`${apiUrl}/v1/consoles/config`).catch(() => undefined);
    if (probe?.status === 200) return { url: apiUrl, servedByControlPlane: true, close: async () => {} };
  }

  const api = new URL(apiUrl);
  const app = Fastify({ logger: false });
  app.addSchema(errorSchema);
  await app.register(consolesRoutes({ sipWsUrl: sip.ws, sipDomain: sip.domain }));
  // Everything else goes to the control plane, unchanged.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.all('/*', async (request, reply) => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(request.headers)) {
      if (v !== undefined && !['host', 'connection', 'content-length'].includes(k)) headers.set(k, String(v));
    }
    const res = await fetch(`${apiUrl}${request.url}`, {
      method: request.method, headers,
      body: ['GET', 'HEAD'].includes(request.method) || !request.body ? undefined : new Uint8Array(request.body as Buffer),
    });
    void reply.status(res.status);
    res.headers.forEach((v, k) => { if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) void reply.header(k, v); });
    return reply.send(Buffer.from(await res.arrayBuffer()));
  });
  const sockets = new Set<Socket>();
  // WebSocket upgrades (the event feed): a byte pipe to the control plane after replaying the request head.
  app.server.on('upgrade', (req, client: Socket, head: Buffer) => {
    const upstream = connect(Number(api.port), api.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const s of [upstream, client]) {
      sockets.add(s);
      s.on('error', () => { upstream.destroy(); client.destroy(); });
      s.on('close', () => { sockets.delete(s); upstream.destroy(); client.destroy(); });
    }
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    servedByControlPlane: false,
    close: async () => {
      for (const s of sockets) s.destroy();
      await app.close();
    },
  };
}
