/** A minimal structured logger (JSON lines on stdout), compatible with fastify's logger interface shape. */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

function line(level: string, obj: object | string, msg?: string): string {
  const base = typeof obj === 'string' ? { msg: obj } : { ...obj, msg };
  return JSON.stringify({ t: new Date().toISOString(), level, ...base });
}

export function createLogger(debug = process.env.CTI_DEBUG === '1'): Logger {
  return {
    info: (o, m) => process.stdout.write(line('info', o, m) + '\n'),
    warn: (o, m) => process.stdout.write(line('warn', o, m) + '\n'),
    error: (o, m) => process.stdout.write(line('error', o, m) + '\n'),
    debug: (o, m) => { if (debug) process.stdout.write(line('debug', o, m) + '\n'); },
  };
}
