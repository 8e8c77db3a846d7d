/**
 * Missing audio found during conversion, with a real call through the whole stack (Kamailio, rtpengine
 * recording, the control plane's pipeline): a trunk caller (SIPp) reaches a seat that rings 4 s before it
 * answers (SIPp, 5 s of 1000 Hz); the caller sends 1 s of 440 Hz, then no RTP for 4.5 s, then 1 s again from
 * a new RTP stream. The recording is flagged `gap`, its metadata lists the caller-channel gap after the
 * answer (the ringing before it is not a gap), `recording_gap` is open for the call and `alarm.raised.v1`
 * is on the event stream with the channel and the gap's position; search by flag finds the recording.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureTestAudio, MEDIA_DIR, tonePcap } from '../../support/audio.ts';
import { startCallCentre, waitFor, type CallCentre } from '../support/callcentre.ts';

const CALLER = '13811112222';
let cc: CallCentre;

before(async () => {
  cc = await startCallCentre('rec-gap');
  ensureTestAudio();
  writeFileSync(join(MEDIA_DIR, 'caller-440hz-pcma-1s-resumed.pcap'), tonePcap({ freqHz: 440, seconds: 1, ssrc: 0x12000442 }));
});
after(async () => cc?.close());

interface Gap { channel: string; start_ms: number; end_ms: number }

test('a caller silent for 4.5 s mid-call: recording flagged gap, recording_gap alarm and alarm.raised.v1 name the caller channel and where', async (t) => {
  const [seat] = await cc.createSeats(1);
  await cc.startSeatPhone(seat, 'uas-seat-answer-audio.xml', { vars: { answer_ms: '4000' } });
  await cc.loginReady(seat);
  const trunk = await cc.createTrunkPort();
  const result = await cc.runCaller(trunk, { scenario: 'uac-120-expect-answer-audio-gap.xml', injection: [{ caller: CALLER, display: 'gap caller' }] });
  assert.ok(result.ok, `caller SIPp failed: ${result.errorLog}`);
  const call = await cc.waitForCall((c) => c.caller_number === CALLER && c.state === 'ended', 10_000, 'the call ended');

  const rec = await waitFor(async () => {
    const [r] = await cc.sql<{ id: string; status: string; flags: string[]; gaps: Gap[] | null; started_at: Date; duration_ms: number; channels: { caller: { silentGapsMs: number[][] }; seat: { silentGapsMs: number[][] } } }[]>`
      SELECT id, status, flags, gaps, started_at, duration_ms, channels FROM recordings WHERE call_id = ${call.id}`;
    return r?.status === 'ready' ? r : undefined;
  }, 30_000, 'the call\'s recording ready');
  const [c] = await cc.sql<{ answered_at: Date }[]>`SELECT answered_at FROM calls WHERE id = ${call.id}`;
  const answerOffset = c!.answered_at.getTime() - rec.started_at.getTime();
  t.diagnostic(JSON.stringify({ duration_ms: rec.duration_ms, answerOffset, measured: { caller: rec.channels.caller.silentGapsMs, seat: rec.channels.seat.silentGapsMs }, gaps: rec.gaps }));

  assert.deepEqual(rec.flags, ['gap']);
  assert.equal(rec.gaps?.length, 1, `one gap: ${JSON.stringify(rec.gaps)}`);
  const gap = rec.gaps![0]!;
  assert.equal(gap.channel, 'caller');
  const length = gap.end_ms - gap.start_ms;
  assert.ok(length >= 3800 && length <= 5200, `the caller's 4.5 s without RTP: ${length} ms`);
  assert.ok(gap.start_ms >= Math.max(0, answerOffset) + 700, `the gap starts after the first second of audio: ${gap.start_ms} ms (answer at ${answerOffset} ms)`);

  // the recording row is indexed first and the alarm raised just after it: wait for the alarm
  type GapAlarm = { type: string; level: string; subject: string; details: { recording_id: string; gaps: Gap[] } };
  const alarm = await waitFor(async () => {
    const alarms = await cc.apiOk<{ items: GapAlarm[] }>('GET', '/v1/alarms?open=true&type=recording_gap');
    return alarms.items.find((a) => a.subject === call.id);
  }, 5000, 'recording_gap open for the call');
  assert.equal(alarm.level, 'warning');
  assert.deepEqual([alarm.details.recording_id, alarm.details.gaps], [rec.id, rec.gaps]);

  const events = await waitFor(async () => {
    const e = await cc.streamEvents((x) => x.type === 'alarm.raised.v1' && x.data.type === 'recording_gap' && x.data.subject === call.id);
    return e.length > 0 ? e : undefined;
  }, 5000, 'alarm.raised.v1 recording_gap');
  assert.equal(events.length, 1);
  assert.deepEqual((events[0]!.data.details as { gaps: Gap[] }).gaps, rec.gaps);

  const found = await cc.apiOk<{ items: Array<{ recording_id: string; flags: string[] }> }>('GET', `/v1/recordings?flag=gap&caller_number=${CALLER}`);
  assert.deepEqual(found.items.map((i) => [i.recording_id, i.flags]), [[rec.id, ['gap']]]);
});
