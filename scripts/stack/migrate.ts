/**
 * Database migrations: node-pg-migrate over the SQL files in control/migrations/
 * (`<timestamp>_<name>.sql`, sections `-- Up Migration` / `-- Down Migration`).
 * As a script (`npm run migrate`) it migrates the running dev stack (.run/dev/stack.json)
 * or the database in $CTI_PG_URL; `npm run migrate -- down` undoes the last migration.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import { isServing, readStackInfo } from './stack-json.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MIGRATIONS_DIR = join(REPO_ROOT, 'control/migrations');

export interface MigrateOptions {
  readonly databaseUrl: string;
  readonly dir?: string;
  readonly direction?: 'up' | 'down';
  /** Number of migrations to run (default: all up, one down). */
  readonly count?: number;
  /** Log lines go here (default: nowhere). */
  readonly log?: (line: string) => void;
}

/** Runs the pending migrations; returns the names of those it ran. */
export async function migrate(opts: MigrateOptions): Promise<string[]> {
  const dir = opts.dir ?? MIGRATIONS_DIR;
  if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.sql'))) return [];
  const log = opts.log ?? (() => {});
  const direction = opts.direction ?? 'up';
  const ran = await runner({
    databaseUrl: opts.databaseUrl,
    dir,
    ignorePattern: '(\\..*)|(.*\\.md)',
    migrationsTable: 'pgmigrations',
    direction,
    count: opts.count ?? (direction === 'up' ? Infinity : 1),
    checkOrder: true,
    singleTransaction: true,
    logger: { debug: log, info: log, warn: log, error: log },
  });
  return ran.map((m) => m.name);
}

async function main(): Promise<void> {
  let url = process.env.CTI_PG_URL;
  if (!url) {
    const info = readStackInfo('dev');
    if (!info || !isServing(info)) {
      throw new Error('no dev stack serving (.run/dev/stack.json is missing or not ready): start one with `npm start` (or set CTI_PG_URL)');
    }
    url = info.postgres.url;
  }
  const direction = process.argv[2] === 'down' ? 'down' : 'up';
  const ran = await migrate({ databaseUrl: url, direction, log: (l) => console.log(l) });
  console.log(ran.length ? `migrate ${direction}: ${ran.join(', ')}` : 'migrate: nothing to do');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(`migrate: ${(e as Error).message}`);
    process.exit(1);
  });
}
