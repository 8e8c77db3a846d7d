/**
 * HTTPS beside the plain HTTP listener: browsers give the microphone only to secure pages, so the
 * consoles must be reachable over https away from localhost. One Fastify instance serves both: an
 * `https.Server` with the certificate hands each request to `app.routing` and each WebSocket upgrade to
 * the instance's own upgrade handling (@fastify/websocket), so every route, hook and the session guard
 * behave the same on both ports. The certificate files are re-read only on restart.
 *
 *   const secure = httpsOptionsFromEnv(process.env);
 *   if (secure) await listenHttps(app, { host: config.httpHost, ...secure });
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { clientErrorHandler } from './errors.ts';

export interface HttpsOptions {
  readonly port: number;
  /** PEM file: the server certificate, followed by any intermediate certificates. */
  readonly certFile: string;
  readonly keyFile: string;
}

export interface HttpsListener {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

export class HttpsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpsConfigError';
  }
}

/**
 * CTI_HTTPS_PORT, CTI_TLS_CERT, CTI_TLS_KEY (the stack sets all three when .run/tls holds a certificate).
 * None set: undefined (HTTP only). Some but not all: an error naming what is missing.
 */
export function httpsOptionsFromEnv(env: NodeJS.ProcessEnv): HttpsOptions | undefined {
  const names = ['CTI_HTTPS_PORT', 'CTI_TLS_CERT', 'CTI_TLS_KEY'] as const;
  const missing = names.filter((n) => !env[n]);
  if (missing.length === names.length) return undefined;
  if (missing.length > 0) {
    throw new HttpsConfigError(`HTTPS needs ${names.join(', ')}; missing ${missing.join(', ')}: set them or unset all three`);
  }
  const port = Number(env.CTI_HTTPS_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new HttpsConfigError(`CTI_HTTPS_PORT must be a TCP port number, got "${env.CTI_HTTPS_PORT}"`);
  }
  return { port, certFile: env.CTI_TLS_CERT!, keyFile: env.CTI_TLS_KEY! };
}

/**
 * Listens with HTTPS on host:port for `app` (after `app.ready()`, which this awaits). Close the
 * listener before `app.close()` (Fastify's hooks cannot be added once the app is ready).
 */
export async function listenHttps(app: FastifyInstance, opts: HttpsOptions & { host: string }): Promise<HttpsListener> {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = readFileSync(opts.certFile);
    key = readFileSync(opts.keyFile);
  } catch (e) {
    throw new HttpsConfigError(`cannot read the TLS certificate or key (${(e as Error).message}); `
      + 'run `npm run setup` to generate them, or put the centre\'s own in CTI_TLS_CERT / CTI_TLS_KEY');
  }
  await app.ready();
  const server = createServer({ cert, key }, (req, res) => app.routing(req, res));
  server.on('upgrade', (req, socket, head) => app.server.emit('upgrade', req, socket, head));
  server.on('clientError', clientErrorHandler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: opts.host, port: opts.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return { server, url: `https://${opts.host}:${port}`, close };
}
