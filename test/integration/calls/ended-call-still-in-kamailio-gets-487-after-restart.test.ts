/**
 * A call the control plane has ended is ended in Kamailio too, whatever ended it (issue 11). The fault: the control
 * plane recorded a queued call as abandoned and dropped it from its live state, but Kamailio never heard (a command
 * lost with a crash). Here that state is written directly, then the control plane restarts: Kamailio re-sends the
 * call it still holds (`sync`), the control plane finds it ended and sends `end`, and the caller gets 487 at once,
 * never a seat, never a second call record.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, type CallCentre } from '../support/callcentre.ts';
import { RawGateway, RawSeat, openRawEndpoints, type RawEndpoints } from '../support/raw-sip-parties.ts';
import { newToken } from '../../support/sip-udp.ts';
import { SPELLINGS } from '../../support/sip-spellings.ts';
import { LIVE_CALLS, retireLiveCall, saveLiveCall } from '../../../control/src/calls/store.ts';
import { dequeue } from '../../../control/src/acd/queue.ts';

let cc: CallCentre;
let raw: RawEndpoints | undefined;

// the restart must not look like an outage: Kamailio's own fail-open (after FAILOPEN_AFTER_MS away) is another test's
before(async () => { cc = await startCallCentre('calls-ended-sync', { kamailioVars: { FAILOPEN_AFTER_MS: '60000' } }); });
after(async () => {
  await raw?.close();
  await cc?.close();
});

test('a call ended in the control plane but still held by Kamailio gets 487 at the next sync and never rings a seat', async () => {
  raw = await openRawEndpoints(cc);
  const gw = new RawGateway(raw.gwEp, SPELLINGS[1]!, cc.sipRemote, '13600000009');
  const rs = new RawSeat(raw.seatEp, SPELLINGS[0]!, cc.sipRemote, raw.seat.sipUser);

  const callId = `${newToken('e-')}@gw.example`;
  const d = await gw.invite(callId, '13600000009');
  const queued = await cc.waitForCall((c) => c.sip_call_id === callId && c.state === 'queued', 10_000, 'call queued');

  // the control plane's side of a call it ended (onCancelled), with Kamailio never told; written while no control
  // plane runs, as a crash leaves it (written beside a running one, its arrival's last steps could still touch the
  // call: a CI run on a loaded machine found the call live again)
  await cc.stack.control.stop();
  await cc.sql`UPDATE calls SET state = 'abandoned', ended_at = now(), ended_by = 'system', end_reason = 'abandoned' WHERE id = ${queued.id}`;
  await dequeue(cc.redis, queued.queue_id!, callId);
  await saveLiveCall(cc.redis, { sipCallId: callId, state: 'abandoned' });
  await retireLiveCall(cc.redis, callId);

  await cc.stack.control.start();
  await cc.login();
  const final = await gw.waitResponse(callId, 'INVITE', (s) => s >= 200, 'final response after the sync', undefined, 20_000);
  assert.equal(final.status, 487, 'Kamailio ended the call the control plane had ended');
  await gw.ackFailure(d, final);

  const rows = (await cc.calls()).filter((c) => c.sip_call_id === callId);
  assert.equal(rows.length, 1, 'no second call record for the re-sent call');
  assert.equal(rows[0]!.state, 'abandoned');
  assert.deepEqual(rs.offersReceived(), [], 'the seat was never offered it');
  assert.equal(await cc.redis.sismember(LIVE_CALLS, callId), 0, 'not live again');
});
