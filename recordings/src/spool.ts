/**
 * Watches rtpengine's recording spool and converts each finished call once.
 *
 *   <spool>/tmp/         rtpengine writes metadata here while the call runs (not ours)
 *   <spool>/metadata/    rtpengine renames finished metadata files here (rename = complete)
 *   <spool>/pcaps/       rtpengine's pcaps
 *   <spool>/converted/   our marker per converted recording (the result, JSON), until delivered
 *   <spool>/done/        metadata + pcap after onRecording succeeded
 *   <spool>/failed/      metadata + pcap that could not be converted, with <name>.error.json
 *
 * Steps per metadata file: convert (unless a marker exists) -> write marker -> onRecording ->
 * move pcap and metadata to done/ -> remove marker. A crash at any point neither converts twice
 * nor loses a recording: onRecording is delivered at least once (key: callId + recordingHash),
 * so the control plane must make it idempotent. Run one spool per spool directory (the leader).
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile, access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CtiError, isCtiError } from '../../control/src/errors/catalogue.ts';
import { convertCall, type ConvertResult } from './convert.ts';
import { parseMetadata, parseMetadataFileName } from './metadata.ts';
import { DEFAULT_SETTLE_MS, isUntouchedForeignCopy, stillRecording } from './reopened.ts';

export type RecordingReady = ConvertResult & { sipCallId: string };

export interface RecordingSpoolOptions {
  /** rtpengine's recording-dir. */
  spoolDir: string;
  /** Where WAVs go: <recordingsDir>/<yyyy>/<mm>/<dd>/<sanitized call id>.wav */
  recordingsDir: string;
  onRecording: (r: RecordingReady) => Promise<void> | void;
  onFailure: (sipCallId: string, error: CtiError) => Promise<void> | void;
  /** IANA time zone for the date folders; default the process's zone. */
  timeZone?: string;
  /** A metadata file without its closing "call end time" line is taken as final after this long. */
  incompleteGraceMs?: number;
  /** A metadata file is taken once unchanged this long and no longer open in tmp/ (reopened.ts); default 1 s. */
  settleMs?: number;
  log?: (msg: string, data?: unknown) => void;
  /**
   * The converter; default convertCall in this thread. The control plane passes ConvertThread's (convert-thread.ts),
   * so that conversion never runs on its event loop. An error with `retry: true` leaves the files for the next poll.
   */
  convert?: (metadataPath: string, opts: { outPath: string }) => Promise<ConvertResult>;
}

/** What waits in the spool: finished recordings not yet delivered, and how long the oldest has waited. */
export interface SpoolBacklog {
  pending: number;
  oldestMs: number;
}

interface FailureRecord {
  sipCallId: string;
  error: ReturnType<CtiError['toJSON']>;
  notified: boolean;
}

const META_PREFIX = 'rtpengine-meta-';

/** File-name-safe form of a SIP Call-ID: [A-Za-z0-9._-] kept, anything else "_", at most 120 chars. */
export function sanitizeCallId(callId: string): string {
  const s = callId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 120);
  return s === '' ? '_' : s;
}

/** <yyyy>/<mm>/<dd> of `date` in `timeZone`. */
export function dateFolder(date: Date, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(date);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('year')}/${get('month')}/${get('day')}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** rename() that treats "already moved" (source gone, target present) as done. */
async function moveInto(path: string, dir: string): Promise<void> {
  const target = join(dir, basename(path));
  try {
    await rename(path, target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && (await exists(target))) return;
    throw e;
  }
}

async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  await writeFile(`${path}.tmp`, JSON.stringify(value, null, 1));
  await rename(`${path}.tmp`, path);
}

/** Damaged input keeps its code; anything else (disk full, permissions) is CTI_INTERNAL with the errno. */
function asCtiError(e: unknown): CtiError {
  if (isCtiError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new CtiError('CTI_INTERNAL', { reason: message, errno: (e as NodeJS.ErrnoException).code });
}

export class RecordingSpool {
  private readonly dirs: Record<'metadata' | 'pcaps' | 'converted' | 'done' | 'failed', string>;
  private running: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: RecordingSpoolOptions) {
    const d = (n: string) => join(opts.spoolDir, n);
    this.dirs = { metadata: d('metadata'), pcaps: d('pcaps'), converted: d('converted'), done: d('done'), failed: d('failed') };
  }

  /** Converts every finished recording in the spool; returns how many were delivered or failed. */
  poll(): Promise<number> {
    this.running ??= this.pollOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  start(intervalMs = 2000): void {
    if (this.timer) return;
    const tick = () => {
      this.poll()
        .catch((e: unknown) => this.opts.log?.('recording spool poll failed', e))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops polling and waits for a poll in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** What waits now: finished recordings in metadata/ not yet delivered (counted as each poll goes), the oldest's age. */
  backlog(): SpoolBacklog {
    let oldest = Infinity;
    for (const m of this.waiting.values()) oldest = Math.min(oldest, m);
    return { pending: this.waiting.size, oldestMs: this.waiting.size ? Math.max(0, Date.now() - oldest) : 0 };
  }

  /** Metadata file name -> its mtime, for every finished recording not yet handled. */
  private waiting = new Map<string, number>();

  private async pollOnce(): Promise<number> {
    for (const dir of [this.dirs.converted, this.dirs.done, this.dirs.failed]) await mkdir(dir, { recursive: true });
    let handled = await this.renotifyFailures();
    let names: string[];
    try {
      names = await readdir(this.dirs.metadata);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return handled; // rtpengine has not recorded yet
      throw e;
    }
    const ours = names.filter((n) => n.startsWith(META_PREFIX) && n.endsWith('.txt')).sort();
    const waiting = new Map<string, number>();
    for (const name of ours) {
      const st = await stat(join(this.dirs.metadata, name)).catch(() => undefined);
      if (st) waiting.set(name, st.mtimeMs);
    }
    this.waiting = waiting;
    for (const name of ours) {
      // what is not handled (settling, reopened, not delivered) still waits, for the next poll
      if (await this.handle(name)) {
        handled++;
        waiting.delete(name);
      }
    }
    return handled;
  }

  private async handle(name: string): Promise<boolean> {
    const metadataPath = join(this.dirs.metadata, name);
    const ids = parseMetadataFileName(name);
    const sipCallId = ids?.callId ?? name;
    const markerPath = join(this.dirs.converted, `${name}.json`);
    let pcapPath: string | undefined;
    let result: ConvertResult;
    const settleMs = this.opts.settleMs ?? DEFAULT_SETTLE_MS;
    if (await stillRecording(this.opts.spoolDir, name, settleMs)) return false;
    try {
      const text = await readFile(metadataPath, 'utf8');
      const meta = parseMetadata(text);
      pcapPath = join(this.dirs.pcaps, basename(meta.pcapPath));
      if (!meta.complete) {
        const age = Date.now() - (await stat(metadataPath)).mtimeMs;
        if (age < (this.opts.incompleteGraceMs ?? 30_000)) return false;
      }
      const pcapBytes = (await stat(pcapPath).catch(() => undefined))?.size;
      if (pcapBytes !== undefined && isUntouchedForeignCopy(meta, pcapBytes)) {
        // a pair's copy of a call the peer recorded (reopened.ts): kept in done/, neither converted nor alarmed
        await moveInto(pcapPath, this.dirs.done);
        await moveInto(metadataPath, this.dirs.done);
        return true;
      }
      if (await exists(markerPath)) {
        result = JSON.parse(await readFile(markerPath, 'utf8'), (k, v) => (k === 'startedAt' ? new Date(v) : v));
      } else {
        const startedMs = meta.exchanges[0]?.startedAtMs ?? (await stat(metadataPath)).mtimeMs;
        const outPath = await this.outPathFor(sipCallId, ids?.hash ?? '', new Date(startedMs));
        await mkdir(join(outPath, '..'), { recursive: true });
        result = await (this.opts.convert ?? convertCall)(metadataPath, { outPath });
        if (await stillRecording(this.opts.spoolDir, name, 0)) {
          // reopened by rtpengine while converting (a foreign call restored): the real end comes later
          await rm(outPath, { force: true });
          return false;
        }
        await writeJsonAtomically(markerPath, result);
      }
    } catch (e) {
      if ((e as { retry?: unknown }).retry === true) {
        this.opts.log?.('recording conversion interrupted; will retry', { sipCallId, error: e });
        return false;
      }
      await this.fail(name, metadataPath, pcapPath, sipCallId, asCtiError(e));
      return true;
    }
    try {
      await this.opts.onRecording({ ...result, sipCallId });
    } catch (e) {
      // Everything stays in place: the next poll delivers again from the marker, without converting.
      this.opts.log?.('onRecording callback failed; will retry', { sipCallId, error: e });
      return false;
    }
    if (pcapPath) await moveInto(pcapPath, this.dirs.done);
    await moveInto(metadataPath, this.dirs.done);
    await rm(markerPath, { force: true });
    return true;
  }

  /** <recordingsDir>/<yyyy>/<mm>/<dd>/<call id>.wav, or <call id>-<hash>.wav if that name is taken. */
  private async outPathFor(callId: string, hash: string, startedAt: Date): Promise<string> {
    const dir = join(this.opts.recordingsDir, dateFolder(startedAt, this.opts.timeZone));
    const plain = join(dir, `${sanitizeCallId(callId)}.wav`);
    if (!(await exists(plain))) return plain;
    return join(dir, `${sanitizeCallId(callId)}-${hash}.wav`);
  }

  private async fail(name: string, metadataPath: string, pcapPath: string | undefined, sipCallId: string, error: CtiError): Promise<void> {
    this.opts.log?.('recording conversion failed', { sipCallId, error: error.toJSON() });
    if (pcapPath && (await exists(pcapPath))) await moveInto(pcapPath, this.dirs.failed);
    const record: FailureRecord = { sipCallId, error: error.toJSON(), notified: false };
    const recordPath = join(this.dirs.failed, `${name}.error.json`);
    await writeJsonAtomically(recordPath, record);
    await moveInto(metadataPath, this.dirs.failed);
    await rm(join(this.dirs.converted, `${name}.json`), { force: true });
    await this.notifyFailure(recordPath, record, error);
  }

  private async notifyFailure(recordPath: string, record: FailureRecord, error: CtiError): Promise<void> {
    try {
      await this.opts.onFailure(record.sipCallId, error);
    } catch (e) {
      // Kept un-notified on disk: renotifyFailures() retries on the next poll.
      this.opts.log?.('onFailure callback failed; will retry', e);
      return;
    }
    await writeJsonAtomically(recordPath, { ...record, notified: true });
  }

  /** Failures whose onFailure did not succeed (callback threw, or the process died) are re-sent. */
  private async renotifyFailures(): Promise<number> {
    let count = 0;
    for (const n of await readdir(this.dirs.failed)) {
      if (!n.endsWith('.error.json')) continue;
      const path = join(this.dirs.failed, n);
      const record = JSON.parse(await readFile(path, 'utf8')) as FailureRecord;
      if (record.notified) continue;
      const { code, details, message } = record.error as { code: CtiError['code']; details?: unknown; message: string };
      await this.notifyFailure(path, record, new CtiError(code, details, message));
      count++;
    }
    return count;
  }
}
