/** The metrics' pure parts: counting from events, and the scrape token's check at start. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricsTokenFromEnv } from '../../../control/src/api/routes/metrics.ts';
import type { AnyCtiEvent } from '../../../control/src/events/schema.ts';
import { countEvent } from '../../../control/src/metrics/from-events.ts';
import { createMetrics, type Metrics } from '../../../control/src/metrics/series.ts';

const NOW = Date.parse('2026-12-08T06:00:00Z');

function ev(type: string, data: Record<string, unknown>, atMs = NOW - 20): { event: AnyCtiEvent } {
  return { event: { id: 'e', type, at: new Date(atMs).toISOString(), centre_id: 'city', data } as unknown as AnyCtiEvent };
}

/** A sample's value: `series` is the metric's name, or a histogram's `<name>_bucket` / `_count` / `_sum`. */
async function value(m: Metrics, series: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => series === x.name || series.startsWith(`${x.name}_`));
  const values = metric?.values as Array<{ value: number; labels: Record<string, string | number>; metricName?: string }> | undefined;
  return values?.find((v) => (v.metricName ?? metric!.name) === series
    && Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))?.value;
}

test('calls are counted from their events: arrived, answered with the wait, abandoned, ended', async () => {
  const m = createMetrics();
  countEvent(m, ev('call.offered.v1', { call_id: 'c1' }), NOW);
  countEvent(m, ev('call.offered.v1', { call_id: 'c2' }), NOW);
  countEvent(m, ev('call.answered.v1', { call_id: 'c1', seat_id: 's1', attempt: 1, queue_ms: 3000, ring_ms: 1000, answer_ms: 4000 }), NOW);
  countEvent(m, ev('call.abandoned.v1', { call_id: 'c2', queue_id: 'city-main', caller_number: null, wait_ms: 12_000, phase: 'queued' }), NOW);
  countEvent(m, ev('call.ended.v1', { call_id: 'c1', ended_by: 'seat', reason: 'bye', answered_seat_id: 's1', talk_ms: 60_000 }), NOW);
  assert.equal(await value(m, 'cti120_calls_arrived_total', { centre: 'city' }), 2);
  assert.equal(await value(m, 'cti120_calls_answered_total', { centre: 'city' }), 1);
  assert.equal(await value(m, 'cti120_call_answer_wait_seconds_bucket', { centre: 'city', le: '5' }), 1, '4 s is within 5 s');
  assert.equal(await value(m, 'cti120_call_answer_wait_seconds_bucket', { centre: 'city', le: '3' }), 0);
  assert.equal(await value(m, 'cti120_calls_abandoned_total', { centre: 'city', queue: 'city-main', phase: 'queued' }), 1);
  assert.equal(await value(m, 'cti120_calls_ended_total', { centre: 'city', ended_by: 'seat', answered: 'yes' }), 1);
});

test('trunks follow their up/down events; alarms and transfers are counted', async () => {
  const m = createMetrics();
  countEvent(m, ev('trunk.down.v1', { trunk_id: 'gw-a', group_id: 'e1', gateway_uri: 'sip:a' }), NOW);
  assert.equal(await value(m, 'cti120_trunk_up', { trunk: 'gw-a' }), 0);
  countEvent(m, ev('trunk.up.v1', { trunk_id: 'gw-a', group_id: 'e1', gateway_uri: 'sip:a' }), NOW);
  assert.equal(await value(m, 'cti120_trunk_up', { trunk: 'gw-a' }), 1);
  countEvent(m, ev('alarm.raised.v1', { alarm_id: '1', type: 'trunk_down', level: 'critical', subject: 'gw-a', details: {} }), NOW);
  assert.equal(await value(m, 'cti120_alarms_raised_total', { type: 'trunk_down', level: 'critical' }), 1);
  countEvent(m, ev('call.transfer_failed.v1', { call_id: 'c', transfer_id: 't', incident_id: null, reason: 'busy', sip_status: 486 }), NOW);
  assert.equal(await value(m, 'cti120_call_transfers_total', { centre: 'city', outcome: 'failed' }), 1);
});

test('the delivery lag counts live events only: a replay of old events is not a delay', async () => {
  const m = createMetrics();
  countEvent(m, ev('seat.state_changed.v1', {}, NOW - 20), NOW);
  countEvent(m, ev('seat.state_changed.v1', {}, NOW - 3_600_000), NOW);
  countEvent(m, ev('seat.state_changed.v1', {}, NOW + 5), NOW);
  assert.equal(await value(m, 'cti120_event_delivery_lag_seconds_count'), 1);
  assert.equal(await value(m, 'cti120_event_delivery_lag_seconds_sum'), 0.02);
});

test('the scrape token: absent turns /metrics off, a short one is refused at start', () => {
  assert.equal(metricsTokenFromEnv({}), undefined);
  assert.equal(metricsTokenFromEnv({ CTI_METRICS_TOKEN: '' }), undefined);
  assert.throws(() => metricsTokenFromEnv({ CTI_METRICS_TOKEN: 'short' }), /at least 32 characters/);
  const token = 'x'.repeat(32);
  assert.equal(metricsTokenFromEnv({ CTI_METRICS_TOKEN: token }), token);
});
