import type { Sql } from 'postgres';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { EventBus } from '../events/bus.ts';
import type { Logger } from './logger.ts';

/** What every module of the control plane may use. Built once in main.ts. */
export interface AppDeps {
  config: Config;
  sql: Sql;
  redis: Redis;
  bus: EventBus;
  log: Logger;
}
