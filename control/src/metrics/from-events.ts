/**
 * Call counters from the event stream: the facts the consoles and integrations see are the facts counted, so the
 * metrics never disagree with the call records. Every node of a pair reads the same stream and so counts the same
 * calls: aggregate the nodes with max(), not sum() (docs/operations.md).
 */
import type { AnyCtiEvent } from '../events/schema.ts';
import type { StreamedEvent } from '../events/bus.ts';
import type { Metrics } from './series.ts';

export function countEvent(m: Metrics, { event: e }: Pick<StreamedEvent, 'event'>, nowMs = Date.now()): void {
  const centre = e.centre_id;
  const at = Date.parse(e.at);
  // an event replayed long after it happened (a restart's replay) is not a delivery delay
  if (Number.isFinite(at) && nowMs >= at && nowMs - at < 60_000) m.eventLag.observe((nowMs - at) / 1000);
  count(m, e, centre);
}

function count(m: Metrics, e: AnyCtiEvent, centre: string): void {
  switch (e.type) {
    case 'call.offered.v1': m.callsArrived.inc({ centre }); break;
    case 'call.answered.v1':
      m.callsAnswered.inc({ centre });
      m.answerWait.observe({ centre }, e.data.answer_ms / 1000);
      break;
    case 'call.abandoned.v1': m.callsAbandoned.inc({ centre, queue: e.data.queue_id ?? '', phase: e.data.phase }); break;
    case 'call.ended.v1': m.callsEnded.inc({ centre, ended_by: e.data.ended_by, answered: e.data.answered_seat_id ? 'yes' : 'no' }); break;
    case 'call.failed_open.v1': m.callsFailedOpen.inc({ centre, reason: e.data.reason }); break;
    case 'call.offer_failed.v1': m.offersFailed.inc({ centre, reason: e.data.reason }); break;
    case 'call.overflowed.v1': m.callsOverflowed.inc({ centre }); break;
    case 'call.transfer_started.v1': m.transfers.inc({ centre, outcome: 'started' }); break;
    case 'call.transferred.v1': m.transfers.inc({ centre, outcome: 'transferred' }); break;
    case 'call.transfer_failed.v1': m.transfers.inc({ centre, outcome: 'failed' }); break;
    case 'alarm.raised.v1': m.alarmsRaised.inc({ type: e.data.type, level: e.data.level }); break;
    case 'trunk.down.v1': m.trunkUp.set({ trunk: e.data.trunk_id, group: e.data.group_id }, 0); break;
    case 'trunk.up.v1': m.trunkUp.set({ trunk: e.data.trunk_id, group: e.data.group_id }, 1); break;
    default: break;
  }
}
