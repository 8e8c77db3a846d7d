/**
 * Every Prometheus series the control plane exposes, defined once (docs/operations.md "Metrics" lists them).
 * Names say what they count (`cti120_<thing>_<unit>`); labels are bounded sets (centres, queues, seat states,
 * outcomes, engine commands), never a call id or a number.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds from a call's arrival to its answer: the national target is 10 s for 95 % of calls. */
export const ANSWER_BUCKETS_S = [1, 2, 3, 5, 8, 10, 15, 20, 30, 60, 120];
/** Engine round trips (rtpengine NG, Kamailio JSON-RPC): milliseconds to a few seconds. */
export const ENGINE_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Publish to delivery over the event stream (Redis) to this process. */
export const LAG_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface Metrics {
  registry: Registry;
  callsArrived: Counter<'centre'>;
  callsAnswered: Counter<'centre'>;
  answerWait: Histogram<'centre'>;
  callsAbandoned: Counter<'centre' | 'queue' | 'phase'>;
  callsEnded: Counter<'centre' | 'ended_by' | 'answered'>;
  callsFailedOpen: Counter<'centre' | 'reason'>;
  offersFailed: Counter<'centre' | 'reason'>;
  callsOverflowed: Counter<'centre'>;
  transfers: Counter<'centre' | 'outcome'>;
  alarmsRaised: Counter<'type' | 'level'>;
  trunkUp: Gauge<'trunk' | 'group'>;
  eventLag: Histogram;
  engineRequest: Histogram<'engine' | 'command' | 'outcome'>;
  queueWaiting: Gauge<'queue'>;
  queueRinging: Gauge<'queue'>;
  queueLongestWait: Gauge<'queue'>;
  queueReadySeats: Gauge<'queue'>;
  seats: Gauge<'centre' | 'state'>;
  alarmsOpen: Gauge<'level'>;
  factsOutbox: Gauge;
  controlPlaneActive: Gauge;
  scrapeErrors: Counter<'part'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // process CPU, memory, event loop lag, GC: the prom-client defaults, under their usual names
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    callsArrived: new Counter({ name: 'cti120_calls_arrived_total', help: '120 calls that arrived (call.offered.v1)', labelNames: ['centre'], registers }),
    callsAnswered: new Counter({ name: 'cti120_calls_answered_total', help: 'Calls answered by a seat (call.answered.v1)', labelNames: ['centre'], registers }),
    answerWait: new Histogram({
      name: 'cti120_call_answer_wait_seconds', help: 'From arrival to answer by a seat (the national target: 95 % within 10 s)',
      labelNames: ['centre'], buckets: ANSWER_BUCKETS_S, registers,
    }),
    callsAbandoned: new Counter({ name: 'cti120_calls_abandoned_total', help: 'Callers who hung up before a seat answered', labelNames: ['centre', 'queue', 'phase'], registers }),
    callsEnded: new Counter({ name: 'cti120_calls_ended_total', help: 'Calls ended, by who ended them and whether a seat had answered', labelNames: ['centre', 'ended_by', 'answered'], registers }),
    callsFailedOpen: new Counter({ name: 'cti120_calls_failed_open_total', help: 'Calls Kamailio rang to every seat because the control plane could not decide', labelNames: ['centre', 'reason'], registers }),
    offersFailed: new Counter({ name: 'cti120_call_offers_failed_total', help: 'Offers to a seat that failed (no answer, rejected, unreachable)', labelNames: ['centre', 'reason'], registers }),
    callsOverflowed: new Counter({ name: 'cti120_calls_overflowed_total', help: 'Calls overflowed to another centre', labelNames: ['centre'], registers }),
    transfers: new Counter({ name: 'cti120_call_transfers_total', help: 'Transfers, by outcome (started, transferred, failed)', labelNames: ['centre', 'outcome'], registers }),
    alarmsRaised: new Counter({ name: 'cti120_alarms_raised_total', help: 'Alarms raised', labelNames: ['type', 'level'], registers }),
    trunkUp: new Gauge({ name: 'cti120_trunk_up', help: 'A trunk gateway in service (1) or out of service (0), from trunk.up.v1 / trunk.down.v1 seen since this process started', labelNames: ['trunk', 'group'], registers }),
    eventLag: new Histogram({ name: 'cti120_event_delivery_lag_seconds', help: 'From an event\'s time to its delivery to this process\'s subscribers (consoles, integrations)', buckets: LAG_BUCKETS_S, registers }),
    engineRequest: new Histogram({
      name: 'cti120_engine_request_seconds', help: 'Round trips to the engines: rtpengine NG commands and Kamailio JSON-RPC methods',
      labelNames: ['engine', 'command', 'outcome'], buckets: ENGINE_BUCKETS_S, registers,
    }),
    queueWaiting: new Gauge({ name: 'cti120_queue_waiting_calls', help: 'Calls waiting in the queue for a seat', labelNames: ['queue'], registers }),
    queueRinging: new Gauge({ name: 'cti120_queue_ringing_calls', help: 'Calls of the queue ringing at a seat, not answered yet', labelNames: ['queue'], registers }),
    queueLongestWait: new Gauge({ name: 'cti120_queue_longest_wait_seconds', help: 'The longest a caller of the queue has waited so far, unanswered (0 if none)', labelNames: ['queue'], registers }),
    queueReadySeats: new Gauge({ name: 'cti120_queue_ready_seats', help: 'Member seats of the queue that are ready', labelNames: ['queue'], registers }),
    seats: new Gauge({ name: 'cti120_seats', help: 'Seats by state (logged_out, ready, reserved, talking, wrap_up, not_ready)', labelNames: ['centre', 'state'], registers }),
    alarmsOpen: new Gauge({ name: 'cti120_alarms_open', help: 'Open alarms by level', labelNames: ['level'], registers }),
    factsOutbox: new Gauge({ name: 'cti120_facts_outbox_pending', help: 'Call facts waiting in the Redis outbox for PostgreSQL (0 while PostgreSQL takes writes)', registers }),
    controlPlaneActive: new Gauge({ name: 'cti120_control_plane_active', help: '1 on the control plane that holds the lease and handles calls, 0 on a standby', registers }),
    scrapeErrors: new Counter({ name: 'cti120_metrics_scrape_errors_total', help: 'Parts of a scrape that could not be read (the series keep their last values)', labelNames: ['part'], registers }),
  };
}
