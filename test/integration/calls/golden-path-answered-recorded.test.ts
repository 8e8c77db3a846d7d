/**
 * The golden path: a trunk call to 120 waits in the queue while no seat is ready (the caller hears 180),
 * a seat goes ready, gets the offer, answers, 5 s of G.711 flow each way, the caller hangs up.
 * The call record's timings, the offer, the events (Redis stream and WebSocket, in order) and the
 * recording (WAV with the caller left and the seat right, SM3 matching) all say what happened.
 * Then the three Prometheus endpoints count it: the control plane's /metrics (scrape token), Kamailio's and
 * rtpengine's own.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { after, before, test } from 'node:test';
import { dominantTone, readStereoWav, rms } from '../../unit/recordings/support/audio.ts';
import { sleep, startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';

// the caller waits 2 s with no seat ready: the queue's greeting plays (early media) before the offer
const CALL_TYPES = ['call.offered.v1', 'call.queued.v1', 'call.announcement_played.v1', 'call.offering.v1', 'call.answered.v1', 'call.ended.v1'];
const QUEUE_WAIT_MS = 2000;

let cc: CallCentre;
before(async () => { cc = await startCallCentre('calls-golden'); });
after(async () => { await cc?.close(); });

test('golden-path-answered-recorded: queued with no seat ready, then answered, timed, evented in order and recorded', async (t) => {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml');
  await cc.seatLogin(seat);
  assert.equal((await cc.seatState(seat)).state, 'not_ready');
  const ws = await cc.tryOpenEventSocket('0', 'call.*');
  const trunk = await cc.createTrunkPort();

  const caller = await cc.startCaller(trunk, {
    scenario: 'uac-120-expect-answer-audio.xml', injection: [{ caller: '13912345678', display: 'golden caller' }], keepTraces: true,
  });
  const queued = await cc.waitForCall((c) => c.state === 'queued', 10_000, 'the call queued');
  await sleep(QUEUE_WAIT_MS);
  const stillQueued = await cc.call(queued.id);
  assert.equal(stillQueued?.state, 'queued', 'with no seat ready the call stays in the queue');
  assert.equal((await cc.offers(queued.id)).length, 0, 'no offer while no seat is ready');

  const readyAt = Date.now();
  await cc.seatReady(seat);
  const result = await caller.done;
  assert.ok(result.ok, `caller SIPp failed: exit ${result.exitCode}\n${result.errorLog}\n${result.messageLog}`);
  const messages = readFileSync(join(result.traceDir, 'messages.log'), 'utf8');
  rmSync(result.traceDir, { recursive: true, force: true });
  const i180 = messages.search(/SIP\/2\.0 180 /);
  const i200 = messages.search(/SIP\/2\.0 200 OK[\s\S]*CSeq: 1 INVITE/);
  assert.ok(i180 >= 0 && i180 < i200, 'the caller got 180 Ringing before the 200 OK');
  const i183 = messages.search(/SIP\/2\.0 183 [\s\S]*?m=audio/);
  assert.ok(i183 > i180 && i183 < i200, 'then 183 with SDP (the greeting as early media) before the 200 OK');

  const call = await waitFor(async () => {
    const c = await cc.call(queued.id);
    return c?.state === 'ended' ? c : undefined;
  }, 10_000, 'the call ended');
  assert.equal(call.caller_number, '13912345678');
  assert.equal(call.answered_seat_id, seat.id);
  assert.equal(call.ended_by, 'caller');
  assert.equal(call.trunk_id, trunk.id);
  assert.ok(call.queued_at && call.first_offered_at && call.answered_at && call.ended_at, 'every timestamp is set');
  const ms = (a: Date | null, b: Date | null) => a!.getTime() - b!.getTime();
  // queue time: from queued to answered, at least the wait with no seat ready
  assert.ok(call.queue_ms! >= QUEUE_WAIT_MS, `queue_ms ${call.queue_ms} covers the ${QUEUE_WAIT_MS} ms with no seat ready`);
  assert.ok(Math.abs(call.queue_ms! - ms(call.answered_at, call.queued_at)) <= 1, 'queue_ms = answered_at - queued_at');
  assert.ok(call.first_offered_at!.getTime() >= readyAt - 50, 'first offer only after the seat went ready');
  assert.ok(call.answer_ms! >= call.queue_ms!, `answer_ms ${call.answer_ms} (from arrival) >= queue_ms ${call.queue_ms}`);
  assert.ok(Math.abs(call.answer_ms! - ms(call.answered_at, call.arrived_at)) <= 1, 'answer_ms = answered_at - arrived_at');
  assert.ok(ms(call.answered_at, call.first_offered_at) < 3000, 'the seat answered at once (answer_ms 0 in its scenario)');
  // talk time: the caller plays 5 s and hangs up after 5.2 s
  assert.ok(call.talk_ms! >= 5000 && call.talk_ms! < 8000, `talk_ms ${call.talk_ms} matches the caller's 5.2 s`);
  assert.ok(Math.abs(call.talk_ms! - ms(call.ended_at, call.answered_at)) <= 1, 'talk_ms = ended_at - answered_at');

  const offers = await cc.offers(call.id);
  assert.equal(offers.length, 1, 'one offer');
  assert.equal(offers[0].attempt, 1);
  assert.equal(offers[0].seat_id, seat.id);
  assert.equal(offers[0].outcome, 'answered');
  assert.ok(offers[0].ring_ms !== null && offers[0].ring_ms >= 0 && offers[0].ring_ms < 3000, `ring_ms ${offers[0].ring_ms}`);

  const streamTypes = (await cc.callStreamEvents(call.id)).map((e) => e.type).filter((t) => t.startsWith('call.'));
  assert.deepEqual(streamTypes, CALL_TYPES, 'the Redis stream carries the call\'s events in order');
  assert.deepEqual(await cc.callEventTypes(call.id), CALL_TYPES, 'call_events logs the same events in order');
  if (ws) {
    const wsTypes = await waitFor(() => {
      const t = ws.events.filter((e) => e.data?.call_id === call.id).map((e) => e.type);
      return t.length >= CALL_TYPES.length ? t : undefined;
    }, 5000, 'the call\'s events on the WebSocket');
    assert.deepEqual(wsTypes, CALL_TYPES, 'the WebSocket delivers the same events in the same order');
  } else {
    t.diagnostic('GET /v1/events/ws answers 404: the control plane does not serve the event WebSocket; WebSocket order not checked');
  }

  const rec = await waitFor(async () => {
    const [r] = await cc.sql<{ status: string; path: string | null; duration_ms: number | null; sm3: string | null; call_id: string | null }[]>`
      SELECT status, path, duration_ms, sm3, call_id::text AS call_id FROM recordings WHERE sip_call_id = ${call.sip_call_id}`;
    return r;
  }, 30_000, 'a recordings row for the call');
  assert.equal(rec.status, 'ready');
  assert.equal(rec.call_id, call.id);
  const path = isAbsolute(rec.path!) ? rec.path! : join(cc.info.recordingsDir, rec.path!);
  assert.ok(existsSync(path), `the WAV ${path} exists`);
  assert.ok(Math.abs(rec.duration_ms! - call.talk_ms!) <= 1000, `recording ${rec.duration_ms} ms within 1 s of talk time ${call.talk_ms} ms`);
  assert.equal(rec.sm3, createHash('sm3').update(readFileSync(path)).digest('hex'), 'SM3 in the index matches the file');

  const detail = await cc.api<{ call: Record<string, unknown>; offers: Array<Record<string, unknown>>; events: Array<{ type: string }> }>('GET', `/v1/calls/${call.id}`);
  if (detail.status === 404 && !(detail.body as unknown as { code?: string })?.code) {
    t.diagnostic('GET /v1/calls/:id is not served; the call record was checked in PostgreSQL only');
  } else {
    assert.equal(detail.status, 200);
    assert.equal(detail.body.call.queue_ms, call.queue_ms);
    assert.equal(detail.body.call.answer_ms, call.answer_ms);
    assert.equal(detail.body.call.talk_ms, call.talk_ms);
    assert.equal(detail.body.call.recording_status, 'ready');
    assert.deepEqual(detail.body.offers.map((o) => [o.attempt, o.seat_id, o.outcome]), [[1, seat.id, 'answered']]);
    assert.deepEqual(detail.body.events.map((e) => e.type), CALL_TYPES);
    const audio = await fetch(`${cc.apiUrl}/v1/calls/${call.id}/recording`, { headers: { authorization: `Bearer ${cc.adminToken}`, range: 'bytes=0-43' } });
    assert.equal(audio.status, 206, 'the recording is served with Range');
    const head = Buffer.from(await audio.arrayBuffer());
    assert.deepEqual(head, readFileSync(path).subarray(0, 44), 'the first 44 bytes served are the WAV header on disk');
  }

  const wav = await readStereoWav(path);
  assert.equal(wav.sampleRate, 8000);
  // the middle 3 s: both tones play for 5 s from the answer
  const from = wav.sampleRate;
  const to = wav.sampleRate * 4;
  const left = wav.left.subarray(from, to);
  const right = wav.right.subarray(from, to);
  assert.ok(rms(left) > 500, `left channel is not silence (rms ${rms(left).toFixed(0)})`);
  assert.ok(rms(right) > 500, `right channel is not silence (rms ${rms(right).toFixed(0)})`);
  const l = dominantTone(left, wav.sampleRate);
  const r = dominantTone(right, wav.sampleRate);
  assert.equal(l.freq, 440, 'left channel: the caller\'s 440 Hz');
  assert.ok(l.share > 0.8, `440 Hz dominates the left channel (${l.share.toFixed(2)})`);
  assert.equal(r.freq, 1000, 'right channel: the seat\'s 1000 Hz');
  assert.ok(r.share > 0.8, `1000 Hz dominates the right channel (${r.share.toFixed(2)})`);
});

/** One sample's value in a Prometheus text exposition: `name{labels}` exactly as printed; an optional timestamp follows. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1).split(' ')[0]);
}

test('metrics: the control plane, Kamailio and rtpengine count the call on their /metrics', async (t) => {
  const url = `${cc.apiUrl}/metrics`;
  const scrape = (auth?: string) => fetch(url, auth ? { headers: { authorization: auth } } : {});
  for (const auth of [undefined, 'Bearer wrong-token', `Basic ${cc.info.api.metricsToken}`]) {
    const r = await scrape(auth);
    assert.equal(r.status, 401, `${auth ?? 'no authorization'}: refused`);
    assert.equal(((await r.json()) as { code: string }).code, 'CTI_METRICS_TOKEN_INVALID');
  }
  const res = await scrape(`Bearer ${cc.info.api.metricsToken}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  t.diagnostic(text.split('\n').filter((l) => l.startsWith('cti120_') && !l.includes('_bucket')).slice(0, 60).join('\n'));
  // the golden path's one call, counted from the event stream
  assert.equal(sample(text, 'cti120_calls_arrived_total{centre="city"}'), 1);
  assert.equal(sample(text, 'cti120_calls_answered_total{centre="city"}'), 1);
  assert.equal(sample(text, 'cti120_call_answer_wait_seconds_count{centre="city"}'), 1);
  // it waited 2 s with no seat ready: answered within 10 s, not within 1 s
  assert.equal(sample(text, 'cti120_call_answer_wait_seconds_bucket{le="10",centre="city"}'), 1);
  assert.equal(sample(text, 'cti120_call_answer_wait_seconds_bucket{le="1",centre="city"}'), 0);
  assert.equal(sample(text, 'cti120_calls_ended_total{centre="city",ended_by="caller",answered="yes"}'), 1);
  // read at the scrape: nobody waits now, this node handles the calls, rtpengine answered commands
  assert.equal(sample(text, 'cti120_queue_waiting_calls{queue="city-main"}'), 0);
  assert.equal(sample(text, 'cti120_control_plane_active'), 1);
  assert.ok((sample(text, 'cti120_engine_request_seconds_count{engine="rtpengine",command="play media",outcome="ok"}') ?? 0) >= 1,
    'the greeting\'s play media timed');
  assert.ok(/^process_cpu_seconds_total \d/m.test(text), 'the process defaults');

  const kam = await fetch(cc.info.kamailio.rpcUrl.replace(/\/RPC$/, '/metrics'));
  assert.equal(kam.status, 200);
  const kamText = await kam.text();
  assert.ok((sample(kamText, 'kamailio_tmx_2xx_transactions') ?? 0) >= 1,
    `Kamailio counts the answered transaction:\n${kamText.split('\n').filter((l) => l.startsWith('kamailio_tm')).slice(0, 20).join('\n')}`);
  const rtp = await fetch(`http://${cc.info.rtpengine.ng}/metrics`);
  assert.equal(rtp.status, 200);
  const rtpText = await rtp.text();
  t.diagnostic(rtpText.split('\n').filter((l) => /^rtpengine_.*(total|sessions)/.test(l)).slice(0, 15).join('\n'));
  assert.equal(sample(rtpText, 'rtpengine_sessions_total'), 1, 'rtpengine counts the call\'s one session');
});
