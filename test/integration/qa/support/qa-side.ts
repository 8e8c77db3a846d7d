/**
 * A real backend (startStack without the control plane) and the API built in-process with the recording
 * and QA plugins; recordings are real WAV files in a temp recordings folder, rows written as the pipeline
 * and the call flow write them. Nothing is mocked but the logger.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Sql } from 'postgres';
import type { Stack } from '../../../../scripts/stack/stack.ts';
import { recordingsRoutes } from '../../../../control/src/api/routes/recordings.ts';
import { recordingsSearchRoutes } from '../../../../control/src/api/routes/recordings-search.ts';
import { qaRoutes } from '../../../../control/src/api/routes/qa.ts';
import { alarmsRoutes } from '../../../../control/src/api/routes/alarms.ts';
import { callsRoutes } from '../../../../control/src/api/routes/calls.ts';
import type { AppDeps } from '../../../../control/src/app/deps.ts';
import { encodeWav } from '../../../../recordings/src/wav.ts';
import type { Sm4Key } from '../../../../control/src/recordings/storage/sm4-file.ts';
import { ADMIN_PASSWORD, loginAs, startHarness, type Session } from '../../api/support/harness.ts';

export { bearer, personWith, type Session } from '../../api/support/harness.ts';

export interface QaSide {
  stack: Stack;
  deps: AppDeps;
  app: FastifyInstance;
  admin: Session;
  dir: string;
  keyDir: string;
  close(): Promise<void>;
}

export async function startQaSide(name: string, sm4?: Sm4Key): Promise<QaSide> {
  const h = await startHarness(name, {
    runDirPrefix: 'cti-qa-',
    config: (dir) => {
      mkdirSync(join(dir, 'recordings'));
      return { recordingsDir: join(dir, 'recordings') };
    },
    plugins: (deps) => [recordingsRoutes(deps), recordingsSearchRoutes(deps, { sm4 }), qaRoutes(deps), alarmsRoutes(deps), callsRoutes(deps)],
  });
  const admin = await loginAs(h.app, 'admin', ADMIN_PASSWORD).catch(async (e) => { await h.close(); throw e; });
  return { stack: h.stack, deps: h.deps, app: h.app, admin, dir: h.runDir, keyDir: join(h.runDir, 'keys'), close: () => h.close() };
}

let seq = 0;

export async function ensureSeat(sql: Sql, id: string): Promise<void> {
  await sql`INSERT INTO seats (id, centre_id, display_name, sip_username, sip_domain, ha1, ha1b)
            VALUES (${id}, 'city', ${`席位 ${id}`}, ${id}, '127.0.0.1', 'x', 'x') ON CONFLICT (id) DO NOTHING`;
}

/** A log-in of `userId` at `seatId` at `at` (and optionally a log-out), as the seat state routes log them. */
export async function seatSession(sql: Sql, seatId: string, userId: string, at: Date, until?: Date): Promise<void> {
  await sql`INSERT INTO seat_state_log (seat_id, from_state, to_state, reason, user_id, at) VALUES (${seatId}, 'logged_out', 'not_ready', 'login', ${userId}, ${at})`;
  if (until) await sql`INSERT INTO seat_state_log (seat_id, from_state, to_state, reason, user_id, at) VALUES (${seatId}, 'ready', 'logged_out', 'logout', ${userId}, ${until})`;
}

export interface CallSpec {
  at: Date;
  seat: string;
  ringMs?: number;
  answerMs?: number;
  talkMs?: number;
  caller?: string;
  queue?: string;
  incident?: string | null;
  /** Seconds of stereo WAV to write and index (0: no recording row). */
  audioS?: number;
}

export interface MadeCall {
  id: string;
  sip_call_id: string;
  recording_id: string | null;
  path: string | null;
}

/** A deterministic but non-repeating stereo signal (distinct 64 KiB chunks). */
function audio(seconds: number, seed: number): Buffer {
  const frames = 8000 * seconds;
  const s = new Int16Array(frames * 2);
  let x = seed * 7919 + 1;
  for (let i = 0; i < s.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s[i] = (x >> 8) % 20000 - 10000;
  }
  return encodeWav({ channels: 2, sampleRate: 8000 }, s);
}

/** An answered call with its answered offer, and (audioS > 0) a ready recording: a WAV in the recordings folder. */
export async function makeCall(side: QaSide, c: CallSpec): Promise<MadeCall> {
  const sql = side.deps.sql;
  const n = ++seq;
  const sip = `qa-${process.pid}-${n}@127.0.0.1`;
  const answerMs = c.answerMs ?? 5000;
  const ringMs = c.ringMs ?? 3000;
  const t = (ms: number) => new Date(c.at.getTime() + ms);
  const [call] = await sql<{ id: string }[]>`
    INSERT INTO calls (centre_id, sip_call_id, caller_number, called_number, queue_id, state, arrived_at, queued_at, first_offered_at,
                       answered_at, ended_at, answered_seat_id, ended_by, end_reason, incident_id)
    VALUES ('city', ${sip}, ${c.caller ?? '13800000001'}, '120', ${c.queue ?? 'city-main'}, 'ended', ${c.at}, ${t(200)}, ${t(answerMs - ringMs)},
            ${t(answerMs)}, ${t(answerMs + (c.talkMs ?? 60_000))}, ${c.seat}, 'caller', 'bye', ${c.incident ?? null})
    RETURNING id`;
  await sql`INSERT INTO call_offers (call_id, attempt, seat_id, offered_at, ringing_at, answered_at, ended_at, outcome, sip_status)
            VALUES (${call.id}, 1, ${c.seat}, ${t(answerMs - ringMs)}, ${t(answerMs - ringMs + 100)}, ${t(answerMs)}, ${t(answerMs + 60_000)}, 'answered', 200)`;
  if (!c.audioS) return { id: call.id, sip_call_id: sip, recording_id: null, path: null };
  const wav = audio(c.audioS, n);
  const path = join(side.deps.config.recordingsDir, `rec-${n}.wav`);
  writeFileSync(path, wav);
  const [rec] = await sql<{ id: string }[]>`
    INSERT INTO recordings (call_id, sip_call_id, centre_id, status, path, started_at, duration_ms, size_bytes, sm3)
    VALUES (${call.id}, ${sip}, 'city', 'ready', ${path}, ${t(answerMs)}, ${c.audioS * 1000}, ${wav.length}, ${createHash('sm3').update(wav).digest('hex')})
    RETURNING id`;
  return { id: call.id, sip_call_id: sip, recording_id: rec.id, path };
}
