/**
 * The browser consoles (docs/consoles.md): static files under /consoles/ (dispatcher softphone,
 * supervisor console), SIP.js 0.21's ES modules under /vendor/sip.js/ (straight from node_modules,
 * no bundler), and GET /v1/consoles/config, which tells a page where the SIP WebSocket is.
 * Everything here is public (no session): the pages log in through /v1/auth/login themselves,
 * and the config holds no secret. GET / redirects to the console index.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify';
import { errorResponses, noQuery } from '../schemas/common.ts';

export interface ConsolesOptions {
  /**
   * The SIP WebSocket URL a browser connects to (Kamailio's ws:// or, away from localhost, wss://).
   * Browsers give a page the microphone only in a secure context (https or localhost), and an https
   * page may only open wss://: in production both are TLS (docs/consoles.md).
   */
  sipWsUrl: string;
  /**
   * Kamailio's WSS port. A page loaded over https may only open wss://, so when `sipWsUrl` is plain ws://
   * the config route hands such a page `wss://<the host the page was loaded from>:<this port>/` instead.
   */
  sipWssPort?: number;
  /** The SIP domain (realm) of seat accounts. */
  sipDomain: string;
  /** STUN/TURN servers for RTCPeerConnection; none on a LAN where rtpengine is reachable. */
  iceServers?: { urls: string | string[]; username?: string; credential?: string }[];
  /** The consoles folder (default: <repo>/consoles). */
  root?: string;
  /**
   * The node of a pair this control plane runs on (CTI_NODE, docs/ha.md): a page that finds another node behind
   * the floating address after a reconnect tells the dispatcher that the centre failed over.
   */
  node?: string;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** The SIP WebSocket URL from the environment: CTI_SIP_WS_URL, else Kamailio's HTTP listener (same host:port as its RPC). */
export function sipWsUrlFromEnv(env: NodeJS.ProcessEnv, kamailioRpcUrl: string): string {
  if (env.CTI_SIP_WS_URL) return env.CTI_SIP_WS_URL;
  const u = new URL(kamailioRpcUrl);
  return `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}/`;
}

/** CTI_SIP_WSS_PORT (the stack sets it with CTI_HTTPS_PORT when .run/tls holds a certificate), else undefined. */
export function sipWssPortFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.CTI_SIP_WSS_PORT;
  if (v === undefined || v === '') return undefined;
  const port = Number(v);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`CTI_SIP_WSS_PORT must be a TCP port number, got "${v}"`);
  return port;
}

/**
 * The SIP WebSocket URL for one page: plain pages get `sipWsUrl` as configured; a page loaded over https
 * gets a wss:// URL (the configured one if it is already wss://, else the WSS port on the page's own host,
 * which is a name in the certificate since the browser accepted it for the page).
 */
export function sipWsUrlFor(page: { protocol: 'http' | 'https'; hostname: string }, sipWsUrl: string, sipWssPort?: number): string {
  if (page.protocol !== 'https' || sipWsUrl.startsWith('wss:') || sipWssPort === undefined) return sipWsUrl;
  const host = page.hostname.includes(':') && !page.hostname.startsWith('[') ? `[${page.hostname}]` : page.hostname;
  return `wss://${host}:${sipWssPort}/`;
}

function sipJsLibDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('sip.js/package.json')), 'lib');
}

const configReply = {
  type: 'object',
  required: ['sip', 'ice_servers', 'hotkeys', 'secure_context_required'],
  properties: {
    sip: {
      type: 'object', required: ['ws_url', 'domain'],
      properties: { ws_url: { type: 'string' }, domain: { type: 'string' } },
    },
    ice_servers: { type: 'array', items: { type: 'object', additionalProperties: true } },
    hotkeys: {
      type: 'object', additionalProperties: { type: 'string' },
      description: 'Default hotkeys (KeyboardEvent.key) per action; a dispatcher may change them in the page.',
    },
    secure_context_required: {
      type: 'boolean', description: 'True: browsers give the microphone only to https pages (or localhost).',
    },
    node: { type: 'string', description: 'The node of a pair that answered (docs/ha.md); absent on a single node.' },
  },
} as const;

export const DEFAULT_HOTKEYS: Readonly<Record<string, string>> = {
  answer: 'F1', hangup: 'F2', mute: 'F3', hold: 'F4', ready: 'F6', not_ready: 'F7', recall: 'F8',
  // one-key blind transfers (consoles/dispatcher/transfer.js)
  xfer_110: 'F9', xfer_119: 'F10', xfer_122: 'F11',
};

/** Marks every route registered inside this plugin (the static ones too) as needing no session. */
function markPublic(route: RouteOptions): void {
  route.config = { ...(route.config as object | undefined), public: true };
}

export function consolesRoutes(opts: ConsolesOptions): FastifyPluginAsync {
  const root = opts.root ?? join(REPO_ROOT, 'consoles');
  if (!existsSync(root)) throw new Error(`consoles folder ${root} does not exist`);
  const sipLib = sipJsLibDir();
  const configFor = (page: { protocol: 'http' | 'https'; hostname: string }) => ({
    sip: { ws_url: sipWsUrlFor(page, opts.sipWsUrl, opts.sipWssPort), domain: opts.sipDomain },
    ice_servers: opts.iceServers ?? [],
    hotkeys: DEFAULT_HOTKEYS,
    secure_context_required: true,
    ...(opts.node ? { node: opts.node } : {}),
  });

  return async function routes(app: FastifyInstance): Promise<void> {
    app.addHook('onRoute', markPublic);

    app.get('/v1/consoles/config', {
      schema: {
        tags: ['consoles'], summary: 'Where the browser consoles find the SIP WebSocket, and their defaults', security: [],
        querystring: noQuery, response: { 200: configReply, ...errorResponses(400, 500) },
      },
    }, async (request) => configFor(request));

    app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/consoles/'));

    await app.register(fastifyStatic, {
      root, prefix: '/consoles/', decorateReply: false, redirect: true, index: 'index.html', dotfiles: 'deny',
      maxAge: 0, allowedPath: (path) => path.endsWith('/') || /\.(html|js|css|svg|png|ico)$/.test(path),
    });
    await app.register(fastifyStatic, {
      root: sipLib, prefix: '/vendor/sip.js/', decorateReply: false, dotfiles: 'deny', maxAge: 3600_000,
      allowedPath: (path) => path.endsWith('.js'),
    });
  };
}
