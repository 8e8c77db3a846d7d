/**
 * A CANCEL that races the answer ends as RFC 3261 9.1/9.2 says (issue 11): either 487 to the INVITE, or the call
 * answered and then a BYE; never a caller without a final response, never a seat connected to nobody.
 * A raw-UDP gateway and seat (test/integration/support/raw-sip-parties.ts) make the messages cross on purpose:
 *   - the seat's 200 crosses the CANCEL (it answers after the CANCEL reached it, as if both were on the wire):
 *     the caller gets the 200, ACKs and hangs up; the seat gets the ACK and the BYE;
 *   - the seat answers at the same moment as the caller cancels: whichever Kamailio sees first, one of the two ends;
 *   - the CANCEL crosses the control plane's decision (sent 0-20 ms after the 180, while the offer is being made):
 *     487 to the caller, and a seat that was offered the call gets the CANCEL too.
 * In every case the call record leaves the live states and the seat is ready again.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, sleep, waitFor, type CallCentre, type CallRow, type Seat } from '../support/callcentre.ts';
import { RawGateway, RawSeat, openRawEndpoints, type Dialog, type RawEndpoints } from '../support/raw-sip-parties.ts';
import { newToken, header, param, type SipMessage } from '../../support/sip-udp.ts';
import { SPELLINGS, audioSdp } from '../../support/sip-spellings.ts';

/** When the caller cancels after the 180: each millisecond up to 30 (the offer leaves 15-25 ms after it here), twice. */
const DELAYS_MS = [...Array.from({ length: 31 }, (_, i) => i), ...Array.from({ length: 31 }, (_, i) => i)];

let cc: CallCentre;
let seat: Seat;
let gw: RawGateway;
let rs: RawSeat;
let raw: RawEndpoints | undefined;

before(async () => {
  cc = await startCallCentre('calls-cancel-race', { queue: { wrapup_s: 0 } });
  raw = await openRawEndpoints(cc);
  seat = raw.seat;
  gw = new RawGateway(raw.gwEp, SPELLINGS[0]!, cc.sipRemote, '13700000001');
  rs = new RawSeat(raw.seatEp, SPELLINGS[0]!, cc.sipRemote, seat.sipUser);
  await cc.loginReady(seat);
});
after(async () => {
  await raw?.close();
  await cc?.close();
});

function ended(callId: string): Promise<CallRow> {
  return cc.waitForCall((c) => c.sip_call_id === callId && (c.state === 'abandoned' || c.state === 'ended'), 10_000, `call ${callId} ended`);
}

/** The caller's side after its final response: ACK, and for a 200 a BYE that the seat answers. */
async function callerFinishes(d: Dialog, final: SipMessage): Promise<'487' | 'answered-then-bye'> {
  if (final.status !== 200) {
    assert.equal(final.status, 487, 'a cancelled INVITE ends with 487');
    await gw.ackFailure(d, final);
    return '487';
  }
  await gw.ackAnswer(d, final);
  await rs.waitRequest(d.callId, 'ACK');
  await gw.request(d, 'BYE');
  const bye = await rs.waitRequest(d.callId, 'BYE');
  await rs.respond(bye, 200, 'OK');
  await gw.waitResponse(d.callId, 'BYE', (s) => s === 200, 'BYE answered', d.cseq);
  return 'answered-then-bye';
}

test('the seat\'s 200 crosses the CANCEL: the caller gets the 200, ACKs and hangs up; the seat gets ACK and BYE', async () => {
  const callId = `${newToken('x-')}@gw.example`;
  const d = await gw.invite(callId, '13700000001');
  const invite = await rs.waitInvite(callId);
  const tag = newToken('seat');
  await rs.respond(invite, 180, 'Ringing', { toTag: tag });
  await gw.waitResponse(callId, 'INVITE', (s) => s === 180 || s === 183, 'ringing');
  await gw.cancel(d);
  const cancel = await rs.waitRequest(callId, 'CANCEL');
  // the 200 was already on its way when the CANCEL arrived: 2xx to the INVITE, then 200 to the CANCEL (RFC 3261 9.2)
  await rs.respond(invite, 200, 'OK', { toTag: tag, body: audioSdp(41000) });
  await rs.respond(cancel, 200, 'OK');
  await gw.waitResponse(callId, 'CANCEL', (s) => s === 200, '200 to the CANCEL');
  const final = await gw.waitResponse(callId, 'INVITE', (s) => s >= 200, 'final response');
  assert.equal(final.status, 200, 'a 2xx after a CANCEL is relayed to the caller (RFC 3261 16.7)');
  assert.equal(await callerFinishes(d, final), 'answered-then-bye');
  await ended(callId);
  await cc.waitForSeatState(seat, 'ready');
});

test('the seat answers as the caller cancels: the 200 reaches the caller, who ACKs and hangs up; the seat gets ACK and BYE', async () => {
  for (let i = 0; i < 6; i++) {
    const callId = `${newToken('y-')}@gw.example`;
    const d = await gw.invite(callId, '13700000001');
    const invite = await rs.waitInvite(callId);
    // 180 then 200 from the seat while the caller's CANCEL is on the wire: whichever Kamailio sees first, the 2xx
    // is relayed (a CANCEL after it has nothing to cancel, RFC 3261 9.2; a 2xx after it is still forwarded, 16.7)
    await Promise.all([rs.answer(invite, true), gw.cancel(d)]);
    await gw.waitResponse(callId, 'CANCEL', (s) => s === 200, '200 to the CANCEL');
    const ok = await gw.waitResponse(callId, 'INVITE', (s) => s === 200, 'the seat\'s 200');
    assert.equal(await callerFinishes(d, ok), 'answered-then-bye');
    for (const cancel of rs.requests(callId, 'CANCEL')) await rs.respond(cancel, 200, 'OK');
    await ended(callId);
    await cc.waitForSeatState(seat, 'ready');
  }
});

test('the CANCEL crosses the control plane\'s offer (0-20 ms after the 180): 487, and an offered seat is cancelled too', async (t) => {
  const outcomes: string[] = [];
  for (const delayMs of DELAYS_MS) {
    const callId = `${newToken('z-')}@gw.example`;
    const d = await gw.invite(callId, '13700000001');
    await gw.waitResponse(callId, 'INVITE', (s) => s === 180, 'ringing');
    if (delayMs > 0) await sleep(delayMs); // the crossing point being probed, not a wait for a condition
    await gw.cancel(d);
    await gw.waitResponse(callId, 'CANCEL', (s) => s === 200, '200 to the CANCEL');
    // either the caller's final response comes, or the offer reached the seat first (the decision won the race):
    // then the seat gets the CANCEL too and answers it as a UAS does, 200 then 487 (RFC 3261 9.2)
    const isFinal = (m: SipMessage): boolean => m.status !== undefined && m.status >= 200 && header(m, 'call-id') === callId && header(m, 'cseq').endsWith('INVITE');
    await waitFor(() => gw.ep.received.some(isFinal) || rs.offersReceived().some((m) => header(m, 'call-id') === callId), 10_000, `final response or offer of ${callId}`, 5);
    const offered = rs.offersReceived().find((m) => header(m, 'call-id') === callId);
    if (offered) {
      // a phone rings at once (the CANCEL may have reached Kamailio before this 180: tm then CANCELs on it)
      const tag = newToken('seat');
      await rs.respond(offered, 180, 'Ringing', { toTag: tag });
      const cancel = await rs.waitRequest(callId, 'CANCEL', undefined, 5000);
      await rs.respond(cancel, 200, 'OK');
      await rs.respond(offered, 487, 'Request Terminated', { toTag: tag });
      await rs.waitRequest(callId, 'ACK', undefined, 5000);
    }
    const final = await gw.waitResponse(callId, 'INVITE', (s) => s >= 200, `final response (CANCEL after ${delayMs} ms)`);
    outcomes.push(`${delayMs}ms:${offered ? 'offered' : 'queued'}:${await callerFinishes(d, final)}`);
    const row = await ended(callId);
    assert.equal(row.state, 'abandoned', `${callId}: the caller abandoned it`);
    await cc.waitForSeatState(seat, 'ready');
  }
  // a late offer after the CANCEL would show up as an INVITE with no CANCEL after it
  for (const m of rs.offersReceived()) {
    const callId = header(m, 'call-id');
    if (!callId.startsWith('z-')) continue;
    assert.ok(rs.requests(callId, 'CANCEL').length > 0 || param(header(m, 'to'), 'tag') !== undefined, `${callId}: an offer after the CANCEL`);
  }
  assert.equal(outcomes.length, DELAYS_MS.length, outcomes.join(', '));
  t.diagnostic(`outcomes: ${outcomes.join(', ')}`);
});
