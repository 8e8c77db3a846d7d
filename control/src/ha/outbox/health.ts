/**
 * The outbox in GET /health (`facts_outbox`): its figures as the check's JSON detail,
 * `{"backlog":n,"oldest_age_ms":n,"dead":n,"replayed":n}`; the check fails (status degraded, the same JSON in its
 * error) while writes have waited longer than the alarm threshold or a dead letter waits for an operator.
 */
import { outboxAlarmAfterMs, type OutboxReplayer } from './replayer.ts';

export function outboxHealth(outbox: OutboxReplayer, alarmAfterMs = outboxAlarmAfterMs()) {
  return async (): Promise<string> => {
    const f = await outbox.figures();
    const detail = JSON.stringify(f);
    if (f.oldest_age_ms > alarmAfterMs || f.dead > 0) throw new Error(detail);
    return detail;
  };
}
