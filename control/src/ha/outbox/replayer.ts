/**
 * Writes the outbox to PostgreSQL once it takes writes again, oldest first, and removes each entry only after its
 * transaction committed (apply.ts makes a repeat harmless). An outage stops the pass (next tick retries); an entry
 * that fails otherwise (a bug) moves to the dead-letter stream with an alarm, so it cannot block the facts behind it.
 * While the outbox has held writes for longer than CTI_FACTS_OUTBOX_ALARM_S (10 s) the `facts_outbox_backlog` alarm is
 * raised (alarms live in PostgreSQL: it lands as soon as PostgreSQL does; the log and /health say it at once), and
 * cleared when the outbox is empty, with the episode's figures.
 */
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../app/deps.ts';
import { clearAlarm, raiseAlarm } from '../../alarms/service.ts';
import { applyEntry } from './apply.ts';
import { isCtiError } from '../../errors/catalogue.ts';
import { within, writeTimeoutMs } from './timeout.ts';
import { isOutage } from './classify.ts';
import { deadLetter, holdReplayLock, outboxFigures, readBatch, removeEntry, type OutboxFigures } from './stream.ts';

export const OUTBOX_ALARMS = { backlog: 'facts_outbox_backlog', deadLetter: 'facts_outbox_dead_letter' } as const;

/** How long writes may wait in the outbox before the alarm (CTI_FACTS_OUTBOX_ALARM_S, 10 s). */
export const outboxAlarmAfterMs = (): number => (Number(process.env.CTI_FACTS_OUTBOX_ALARM_S) || 10) * 1000;

const BATCH = 100;
const LOCK_TTL_MS = 5000;
const PRUNE_EVERY_MS = 10 * 60_000;

interface Episode {
  since: number;
  maxBacklog: number;
  maxAgeMs: number;
  alarmed: boolean;
  logged: boolean;
  waitLogged: boolean;
}

export class OutboxReplayer {
  private readonly owner = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inflight: Promise<unknown> | undefined;
  private episode: Episode | undefined;
  private lastPrune = 0;
  /** Entries written by replays since the start (figures). */
  replayed = 0;

  constructor(private readonly deps: AppDeps, private readonly opts = {
    intervalMs: 500,
    alarmAfterMs: outboxAlarmAfterMs(),
  }) {}

  start(): this {
    this.timer ??= setInterval(() => void this.tick(), this.opts.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async figures(): Promise<OutboxFigures & { replayed: number }> {
    return { ...(await outboxFigures(this.deps.redis)), replayed: this.replayed };
  }

  /** One pass: figures and alarm, then the outbox written out while PostgreSQL takes writes. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const f = await outboxFigures(this.deps.redis);
      await this.watch(f);
      if (f.backlog > 0 && (await holdReplayLock(this.deps.redis, this.owner, LOCK_TTL_MS))) await this.drain();
      if (f.backlog === 0) await this.prune();
    } catch (err) {
      this.deps.log.warn({ err: String(err) }, 'outbox replay pass failed (retried)');
    } finally {
      this.running = false;
    }
  }

  private async drain(): Promise<void> {
    for (;;) {
      const batch = await readBatch(this.deps.redis, BATCH);
      if (batch.length === 0) return;
      for (const s of batch) {
        if (!s.entry) {
          await this.dead(s, 'CTI_FACT_OUTBOX_ENTRY_INVALID');
          continue;
        }
        // a replay that timed out may still be waiting in the client: never a second one beside it
        if (this.inflight) return;
        const attempt = applyEntry(this.deps.sql, s.entry).finally(() => { this.inflight = undefined; });
        this.inflight = attempt;
        try {
          await within(attempt, writeTimeoutMs(), { id: s.entry.id, key: s.entry.key });
        } catch (err) {
          if (isOutage(err) || isCtiError(err, 'CTI_FACT_WRITE_TIMEOUT')) {
            if (this.episode && !this.episode.waitLogged) this.deps.log.warn({ code: (err as { code?: string }).code, err: String(err) }, 'outbox replay waits: PostgreSQL does not take writes yet');
            if (this.episode) this.episode.waitLogged = true;
            return; // still away: next tick
          }
          await this.dead(s, `${(err as { code?: string }).code ?? ''} ${String(err)}`);
          continue;
        }
        await removeEntry(this.deps.redis, s.streamId);
        this.replayed++;
      }
      if (!(await holdReplayLock(this.deps.redis, this.owner, LOCK_TTL_MS))) return;
    }
  }

  private async dead(s: Parameters<typeof deadLetter>[1], reason: string): Promise<void> {
    await deadLetter(this.deps.redis, s, reason);
    this.deps.log.error({ stream_id: s.streamId, id: s.entry?.id, key: s.entry?.key, reason }, 'outbox entry cannot be written: moved to the dead-letter stream');
    await within(raiseAlarm(this.deps, { type: OUTBOX_ALARMS.deadLetter, level: 'critical', subject: s.entry?.id ?? s.streamId, details: { key: s.entry?.key ?? null, reason: reason.slice(0, 500) } }), writeTimeoutMs(), { alarm: OUTBOX_ALARMS.deadLetter })
      .catch((err) => this.deps.log.warn({ err: String(err) }, 'outbox dead-letter alarm not raised'));
  }

  /** The backlog alarm: raised past the threshold, cleared (with the episode's figures) once the outbox is empty. */
  private async watch(f: OutboxFigures): Promise<void> {
    const now = Date.now();
    if (f.backlog > 0) {
      const ep = (this.episode ??= { since: now - f.oldest_age_ms, maxBacklog: 0, maxAgeMs: 0, alarmed: false, logged: false, waitLogged: false });
      ep.maxBacklog = Math.max(ep.maxBacklog, f.backlog);
      ep.maxAgeMs = Math.max(ep.maxAgeMs, f.oldest_age_ms);
      if (!ep.alarmed && f.oldest_age_ms > this.opts.alarmAfterMs) {
        if (!ep.logged) this.deps.log.error({ ...f }, 'PostgreSQL away: call facts waiting in the outbox');
        ep.logged = true;
        ep.alarmed = await this.raise(ep, f);
      }
      return;
    }
    const ep = this.episode;
    if (!ep) return;
    if (ep.maxAgeMs > this.opts.alarmAfterMs) {
      const details = { backlog_max: ep.maxBacklog, oldest_age_max_ms: ep.maxAgeMs, drained_after_ms: now - ep.since };
      if (!ep.alarmed && !(await this.raise(ep, f))) return; // PostgreSQL refused again: next tick
      try {
        await within(clearAlarm(this.deps, OUTBOX_ALARMS.backlog, null), writeTimeoutMs(), { alarm: OUTBOX_ALARMS.backlog });
      } catch {
        return;
      }
      this.deps.log.info(details, 'facts_outbox_backlog alarm cleared');
    }
    this.deps.log.info({ backlog_max: ep.maxBacklog, oldest_age_max_ms: ep.maxAgeMs, replayed: this.replayed }, 'outbox empty: the kept call facts are written');
    this.episode = undefined;
  }

  private async raise(ep: Episode, f: OutboxFigures): Promise<boolean> {
    try {
      await within(raiseAlarm(this.deps, {
        type: OUTBOX_ALARMS.backlog, level: 'critical', subject: null,
        details: { backlog: Math.max(f.backlog, ep.maxBacklog), oldest_age_ms: ep.maxAgeMs, since: new Date(ep.since).toISOString() },
      }), writeTimeoutMs(), { alarm: OUTBOX_ALARMS.backlog });
      return true;
    } catch {
      return false;
    }
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    await within(this.deps.sql`DELETE FROM fact_outbox_applied WHERE applied_at < now() - interval '1 day'`.execute(), writeTimeoutMs(), { prune: true }).catch(() => undefined);
  }
}
