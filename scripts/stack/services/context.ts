/** What every service of one stack shares: its folders and its ports. */
import { join } from 'node:path';
import type { TlsFiles } from './tls.ts';

export interface Ports {
  readonly sip: number;
  readonly http: number;
  readonly evapi: number;
  readonly ng: number;
  readonly api: number;
  readonly redis: number;
  readonly postgres: number;
  readonly mediaMin: number;
  readonly mediaMax: number;
  /** The control plane's HTTPS listener (consoles and API); used only when `tls` is set. */
  readonly https?: number;
  /** Kamailio's secure SIP WebSocket (WSS) listener; used only when `tls` is set. */
  readonly wss?: number;
}

export interface ServiceContext {
  readonly name: string;
  /** Repository root (absolute). */
  readonly root: string;
  /** .run/<name> (absolute). */
  readonly stateDir: string;
  readonly host: string;
  readonly ports: Ports;
  /** Durable disk settings (fsync) for PostgreSQL; off for throw-away test stacks. */
  readonly durable: boolean;
  /** Certificate for HTTPS and WSS; absent: plain HTTP and WS only. */
  readonly tls?: TlsFiles;
  /** Network namespace the daemons run in (a node of a pair, scripts/stack/pair.ts); absent: the caller's own. */
  readonly netns?: string;
  /** Other hosts that may connect to PostgreSQL (CIDR, pg_hba.conf); absent: only ctx.host. */
  readonly clientNet?: string;
}

/** The Daemon spec fields that place a service in the stack's network namespace. */
export function inNetns(ctx: ServiceContext): { netns?: string } {
  return ctx.netns ? { netns: ctx.netns } : {};
}

export function statePath(ctx: ServiceContext, ...parts: string[]): string {
  return join(ctx.stateDir, ...parts);
}

export function logPath(ctx: ServiceContext, service: string): string {
  return join(ctx.stateDir, 'logs', `${service}.log`);
}
