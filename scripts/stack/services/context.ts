/** What every service of one stack shares: its folders and its ports. */
import { join } from 'node:path';

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
}

export function statePath(ctx: ServiceContext, ...parts: string[]): string {
  return join(ctx.stateDir, ...parts);
}

export function logPath(ctx: ServiceContext, service: string): string {
  return join(ctx.stateDir, 'logs', `${service}.log`);
}
