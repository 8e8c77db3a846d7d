/**
 * startRecordingMaintenance: the recording side's background work, for the active control plane.
 *   - every new ready recording (a recording.ready.v1 event kicks it; a poll catches anything missed):
 *     SM3 chain, listening copy, optional SM4 encryption (process.ts)
 *   - signed daily manifests for every finished day (hourly, and at start)
 *   - retention (hourly) and the recording disk's thresholds (every minute)
 * Every step is idempotent and reads its work from PostgreSQL, so a restart or a second process loses nothing.
 */
import { join } from 'node:path';
import type { AppDeps } from '../../app/deps.ts';
import type { StreamedEvent } from '../../events/bus.ts';
import { signDueManifests, writeManifestFiles } from '../integrity/manifest.ts';
import { ensureSigningKey, loadSigningKey, type SigningKey } from '../integrity/signing-key.ts';
import { checkRecordingDisk, DEFAULT_DISK_THRESHOLDS, type DiskThresholds } from './disk-watch.ts';
import type { ListeningFormat } from './listening-copy.ts';
import { processRecording, unprocessed } from './process.ts';
import { purgeExpired, retentionDaysFromEnv } from './retention.ts';
import { sm4KeyFromEnv, type Sm4Key } from './sm4-file.ts';

export interface MaintenanceOptions {
  /** Where the SM2 key lives; default CTI_RECORDING_KEY_DIR, else <runDir>/keys. */
  keyDir?: string;
  sm4?: Sm4Key;
  retentionDays?: number;
  disk?: DiskThresholds;
  listeningFormat?: ListeningFormat | 'none';
  pollMs?: number;
  manifestMs?: number;
  retentionMs?: number;
  diskMs?: number;
}

export interface RecordingMaintenance {
  readonly key: SigningKey;
  /** Processes every pending recording now; resolves with how many were handled. */
  processPending(): Promise<number>;
  signManifests(now?: Date): Promise<number>;
  purge(now?: Date): Promise<number>;
  checkDisk(): ReturnType<typeof checkRecordingDisk>;
  stop(): Promise<void>;
}

type Deps = Pick<AppDeps, 'config' | 'sql' | 'bus' | 'log'>;

export function manifestsDir(recordingsDir: string): string {
  return join(recordingsDir, 'manifests');
}

export function keyDirOf(config: AppDeps['config'], env: NodeJS.ProcessEnv = process.env): string {
  return env.CTI_RECORDING_KEY_DIR || join(config.runDir, 'keys');
}

export function diskThresholdsFromEnv(env: NodeJS.ProcessEnv = process.env): DiskThresholds {
  const w = Number(env.CTI_RECORDING_DISK_WARNING_PERCENT ?? DEFAULT_DISK_THRESHOLDS.warningPercent);
  const c = Number(env.CTI_RECORDING_DISK_CRITICAL_PERCENT ?? DEFAULT_DISK_THRESHOLDS.criticalPercent);
  if (!(w > 0 && c >= w && c <= 100)) throw new Error(`recording disk thresholds ${w}/${c}: need 0 < warning <= critical <= 100`);
  return { warningPercent: w, criticalPercent: c };
}

export async function startRecordingMaintenance(deps: Deps, opts: MaintenanceOptions = {}): Promise<RecordingMaintenance> {
  const keyDir = opts.keyDir ?? keyDirOf(deps.config);
  if (await ensureSigningKey(keyDir)) deps.log.info({ dir: keyDir }, 'generated the SM2 manifest signing key');
  const key = await loadSigningKey(keyDir);
  const sm4 = opts.sm4 ?? sm4KeyFromEnv();
  const retentionDays = opts.retentionDays ?? retentionDaysFromEnv();
  const disk = opts.disk ?? diskThresholdsFromEnv();
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;

  let running: Promise<number> | undefined;
  const drain = async (): Promise<number> => {
    let n = 0;
    for (;;) {
      const rows = await unprocessed(deps);
      if (rows.length === 0) return n;
      for (const r of rows) {
        if (stopped) return n;
        try {
          await processRecording(deps, r, { sm4, listeningFormat: opts.listeningFormat });
        } catch (e) {
          deps.log.error({ recording_id: r.id, err: (e as Error).message }, 'recording processing failed; the next poll retries');
          return n;
        }
        n++;
      }
    }
  };
  const processPending = async (): Promise<number> => {
    while (running) await running.catch(() => undefined);
    running = drain().finally(() => (running = undefined));
    return running;
  };
  const signManifests = async (now = new Date()): Promise<number> => {
    const signed = await signDueManifests(deps.sql, key, now);
    for (const m of signed) await writeManifestFiles(manifestsDir(deps.config.recordingsDir), m);
    return signed.length;
  };
  const purge = async (now = new Date()): Promise<number> => {
    let total = 0;
    for (;;) {
      const r = await purgeExpired(deps.sql, retentionDays, now);
      total += r.purged.length;
      for (const f of r.failed) deps.log.error(f, 'retention could not purge a recording');
      if (r.purged.length + r.failed.length < 200 || r.purged.length === 0) return total;
    }
  };
  const checkDisk = () => checkRecordingDisk(deps, deps.config.recordingsDir, disk);

  const every = (ms: number, what: string, f: () => Promise<unknown>) => {
    timers.push(setInterval(() => {
      if (!stopped) f().catch((e: unknown) => deps.log.error({ err: (e as Error).message }, `recording maintenance: ${what} failed`));
    }, ms));
  };
  const onEvent = (e: StreamedEvent) => {
    if (e.event.type === 'recording.ready.v1') void processPending().catch(() => undefined);
  };
  deps.bus.on('event', onEvent);
  every(opts.pollMs ?? 5000, 'processing', processPending);
  every(opts.manifestMs ?? 3_600_000, 'manifest signing', signManifests);
  every(opts.retentionMs ?? 3_600_000, 'retention', purge);
  every(opts.diskMs ?? 60_000, 'disk check', checkDisk);
  void signManifests().catch((e: unknown) => deps.log.error({ err: (e as Error).message }, 'recording maintenance: manifest signing failed'));
  void checkDisk().catch((e: unknown) => deps.log.error({ err: (e as Error).message }, 'recording maintenance: disk check failed'));

  return {
    key, processPending, signManifests, purge, checkDisk,
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      deps.bus.off('event', onEvent);
      await running?.catch(() => undefined);
    },
  };
}
