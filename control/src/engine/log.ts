/** The subset of a pino/fastify logger the engine clients use; defaults to silence. */
export interface EngineLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const noop = (): void => {};
export const silentLog: EngineLog = { debug: noop, info: noop, warn: noop, error: noop };
