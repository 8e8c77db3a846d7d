/**
 * The recording pipeline: rtpengine's spool (config.spoolDir) -> WAV in config.recordingsDir ->
 * the `recordings` index -> `recording.ready.v1`. A recording that cannot be converted is indexed as
 * `failed` and raises the critical alarm `recording_failed`. A side without audio for 3 s or more after the
 * answer flags the recording `gap` (store.ts, gaps.ts) and raises the warning `recording_gap` with where.
 * Conversion runs on a worker thread (recordings/src/convert-thread.ts), one recording at a time, never on the event
 * loop that handles calls; a spool that falls behind raises the critical alarm `recording_backlog` (backlog.ts).
 * Run it in one process per spool (the leader).
 */
import { basename } from 'node:path';
import type { AppDeps } from '../app/deps.ts';
import { RECORDING_ALARMS } from '../alarms/alarm.ts';
import { clearAlarm, raiseAlarm } from '../alarms/service.ts';
import type { CtiError } from '../errors/catalogue.ts';
import { RecordingSpool, type RecordingReady } from '../../../recordings/src/spool.ts';
import { ConvertThread } from '../../../recordings/src/convert-thread.ts';
import { parseMetadataFileName } from '../../../recordings/src/metadata.ts';
import { callerHeldSpans } from './held.ts';
import { backlogLimits, watchBacklog } from './backlog.ts';
import { indexFailed, indexReady } from './store.ts';

export interface RecordingPipelineOptions {
  /** How often the spool is scanned; rtpengine renames a finished recording's metadata after its delete-delay. */
  intervalMs?: number;
  /** IANA zone of the WAVs' date folders; default Asia/Shanghai. */
  timeZone?: string;
}

export interface RecordingPipeline {
  /** Scans the spool once now (also done every intervalMs); resolves with how many recordings were handled. */
  poll(): Promise<number>;
  stop(): Promise<void>;
}

type PipelineDeps = Pick<AppDeps, 'config' | 'sql' | 'bus' | 'log'>;

/** Indexes one converted recording and announces it; throws to make the spool deliver it again. */
export async function onRecordingReady(deps: PipelineDeps, r: RecordingReady): Promise<void> {
  const outcome = await indexReady(deps.sql, deps.config.centreId, r);
  if (outcome.kind === 'conflict') {
    deps.log.warn({ sip_call_id: r.sipCallId, kept: outcome.row.path, other: r.outPath }, 'second recording for one Call-ID; the first stays indexed');
    await raiseAlarm(deps, {
      type: RECORDING_ALARMS.conflict, level: 'warning', subject: r.sipCallId,
      details: { recording_id: outcome.row.id, indexed_path: outcome.row.path, other_path: r.outPath, other_sm3: r.sm3 },
    });
    return;
  }
  const { row, previous } = outcome;
  await deps.bus.publish('recording.ready.v1', {
    recording_id: row.id, call_id: row.call_id, sip_call_id: row.sip_call_id,
    duration_ms: row.duration_ms ?? 0, sm3: row.sm3 ?? '', size_bytes: row.size_bytes ?? 0,
  });
  const gaps = outcome.gaps;
  if (gaps.length > 0) {
    await raiseAlarm(deps, {
      type: RECORDING_ALARMS.gap, level: 'warning', subject: row.call_id ?? row.sip_call_id,
      details: { recording_id: row.id, sip_call_id: row.sip_call_id, gaps },
    });
  }
  // A recording that arrives after its alarm (late, or converted on a retry) ends the alarm.
  if (previous === 'missing' && row.call_id) await clearAlarm(deps, RECORDING_ALARMS.missing, row.call_id);
  if (previous === 'failed') await clearAlarm(deps, RECORDING_ALARMS.failed, row.call_id ?? row.sip_call_id);
}

export async function onRecordingFailed(deps: PipelineDeps, sipCallId: string, error: CtiError): Promise<void> {
  const row = await indexFailed(deps.sql, deps.config.centreId, sipCallId);
  if (row.status === 'ready') {
    deps.log.warn({ sip_call_id: sipCallId, code: error.code }, 'a recording failed to convert, but one is already indexed for its Call-ID');
    return;
  }
  await raiseAlarm(deps, {
    type: RECORDING_ALARMS.failed, level: 'critical', subject: row.call_id ?? sipCallId,
    details: { recording_id: row.id, sip_call_id: sipCallId, call_id: row.call_id, error: error.toJSON() },
  });
}

export function startRecordingPipeline(deps: PipelineDeps, opts: RecordingPipelineOptions = {}): RecordingPipeline {
  const thread = new ConvertThread();
  const spool = new RecordingSpool({
    convert: async (metadataPath, o) => thread.convert(metadataPath, { ...o, callerHeld: await heldOf(deps, metadataPath) }),
    spoolDir: deps.config.spoolDir,
    recordingsDir: deps.config.recordingsDir,
    timeZone: opts.timeZone ?? 'Asia/Shanghai',
    onRecording: (r) => onRecordingReady(deps, r),
    onFailure: (sipCallId, error) => onRecordingFailed(deps, sipCallId, error),
    log: (msg, data) => deps.log.warn({ data: describe(data) }, msg),
  });
  spool.start(opts.intervalMs ?? 1000);
  const backlog = watchBacklog(deps, spool, deps.config.spoolDir, backlogLimits(process.env));
  return {
    poll: () => spool.poll(),
    async stop() {
      backlog.stop();
      await spool.stop();
      await thread.close();
    },
  };
}

/** The spans the caller heard the hold audio (held.ts), by the Call-ID in rtpengine's metadata file name. */
async function heldOf(deps: PipelineDeps, metadataPath: string): Promise<Array<[number, number | null]>> {
  const names = parseMetadataFileName(basename(metadataPath));
  if (!names) return [];
  return callerHeldSpans(deps.sql, names.callId).catch((err: unknown) => {
    // the recording is made without them (the seat channel then holds what was blocked during a hold) rather than not at all
    deps.log.warn({ err: String(err), sip_call_id: names.callId }, 'recording: the hold spans could not be read');
    return [];
  });
}

function describe(data: unknown): unknown {
  if (data instanceof Error) return { message: data.message, stack: data.stack };
  if (data && typeof data === 'object' && 'error' in data && (data as { error: unknown }).error instanceof Error) {
    const e = (data as { error: Error }).error;
    return { ...data, error: { message: e.message, stack: e.stack } };
  }
  return data;
}
