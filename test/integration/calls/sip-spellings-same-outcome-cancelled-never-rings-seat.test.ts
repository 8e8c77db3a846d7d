/**
 * Every spelling RFC 3261 allows reaches the same outcome (issue 11). A gateway and a seat speak raw SIP in one
 * spelling per row of test/support/sip-spellings.ts (compact i f t v m l c k, header-name case, extra white space,
 * folded lines, parameter order and case), and each row drives one call of each outcome:
 *   - queued, then CANCELled (in the same spelling, and in the next one): 200 to the CANCEL, 487 to the INVITE, the
 *     call abandoned, Kamailio's queue entry gone;
 *     and none of these calls ever reaches the seat, not even after the queue_max_ms watchdog (shortened here):
 *     a later call that stays queued is failed open by that watchdog, which proves it ran;
 *   - answered, then BYE from the caller, or from the seat; answered, held with a re-INVITE, then BYE;
 *   - OPTIONS from the trunk and from the seat.
 * Each asserts the caller's and the seat's final responses and the call record.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCallCentre, type CallCentre, type CallRow, type Seat } from '../support/callcentre.ts';
import { RawGateway, RawSeat, openRawEndpoints, type Dialog, type RawEndpoints } from '../support/raw-sip-parties.ts';
import { SipUdpEndpoint, callIdOf, newToken, type SipMessage } from '../../support/sip-udp.ts';
import { SPELLINGS, spell, type Spelling } from '../../support/sip-spellings.ts';

const QUEUE_MAX_MS = 4000;

let cc: CallCentre;
let seat: Seat;
let gwEp: SipUdpEndpoint;
let seatEp: SipUdpEndpoint;
let raw: RawEndpoints | undefined;

before(async () => {
  cc = await startCallCentre('calls-spellings', { kamailioVars: { QUEUE_MAX_MS: String(QUEUE_MAX_MS) }, queue: { wrapup_s: 0 } });
  raw = await openRawEndpoints(cc);
  ({ seat, gwEp, seatEp } = raw);
});
after(async () => {
  await raw?.close();
  await cc?.close();
});

function callRow(callId: string, pred: (c: CallRow) => boolean, what: string): Promise<CallRow> {
  return cc.waitForCall((c) => c.sip_call_id === callId && pred(c), 10_000, `${what} (${callId})`);
}

async function htableHas(table: string, key: string): Promise<boolean> {
  const res = await fetch(cc.info.kamailio.rpcUrl, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'htable.get', params: [table, key] }),
  });
  const body = await res.json() as { result?: { item?: unknown }; error?: unknown };
  return body.result?.item !== undefined;
}

/** The caller is answered by the seat: both sides hold the dialog after the ACK. */
async function answeredCall(sp: Spelling, gw: RawGateway, rs: RawSeat, caller: string): Promise<{ d: Dialog; sd: Dialog }> {
  const callId = `${newToken('sp-')}@gw.example`;
  const d = await gw.invite(callId, caller);
  const invite = await rs.waitInvite(callId);
  const sd = await rs.answer(invite);
  const ok = await gw.waitResponse(callId, 'INVITE', (s) => s === 200, `${sp.name}: 200`);
  await gw.ackAnswer(d, ok);
  await rs.waitRequest(callId, 'ACK', sd.inviteCseq);
  await callRow(callId, (c) => c.state === 'talking', `${sp.name}: talking`);
  return { d, sd };
}

async function byeFrom(from: RawGateway | RawSeat, to: RawGateway | RawSeat, dialog: Dialog, what: string): Promise<void> {
  await from.request(dialog, 'BYE');
  const bye = await to.waitRequest(dialog.callId, 'BYE');
  await to.respond(bye, 200, 'OK');
  await from.waitResponse(dialog.callId, 'BYE', (s) => s === 200, `${what}: 200`, dialog.cseq);
}

test('queued then CANCELled in every spelling: 200 + 487, abandoned, queue entry cleared; the watchdog never rings the seat with them', async () => {
  const cancelled: string[] = [];
  // each spelling for the whole call, then the CANCEL in the next spelling (an SBC between may rewrite headers)
  const rows = [...SPELLINGS.map((sp) => [sp, sp] as const), ...SPELLINGS.map((sp, i) => [sp, SPELLINGS[(i + 1) % SPELLINGS.length]!] as const)];
  for (const [sp, cancelSp] of rows) {
    const gw = new RawGateway(gwEp, sp, cc.sipRemote, '13900000001');
    const callId = `${newToken('q-')}@gw.example`;
    cancelled.push(callId);
    const d = await gw.invite(callId, '13900000001');
    await gw.waitResponse(callId, 'INVITE', (s) => s === 180 || s === 183, `${sp.name}: ringing`);
    await callRow(callId, (c) => c.state === 'queued', `${sp.name}: queued`);
    await new RawGateway(gwEp, cancelSp, cc.sipRemote, '13900000001').cancel(d);
    await gw.waitResponse(callId, 'CANCEL', (s) => s === 200, `${sp.name}: 200 to the CANCEL`);
    const final = await gw.waitResponse(callId, 'INVITE', (s) => s >= 200, `${sp.name}: final response`);
    assert.equal(final.status, 487, `${sp.name}: the INVITE ends with 487`);
    await gw.ackFailure(d, final);
    const row = await callRow(callId, (c) => c.state === 'abandoned', `${sp.name}: abandoned`);
    assert.equal(row.ended_by, 'caller', sp.name);
    for (const table of ['q', 'qd', 'qe']) assert.equal(await htableHas(table, callId), false, `${sp.name}: ${table} cleared`);
  }

  // a call that nobody cancels stays queued (the seat is not logged in) until the watchdog fails it open; every
  // cancelled call was suspended before it, so its watchdog, had it survived, would have fired first
  const gw = new RawGateway(gwEp, SPELLINGS[0]!, cc.sipRemote, '13900000002');
  const rs = new RawSeat(seatEp, SPELLINGS[0]!, cc.sipRemote, seat.sipUser);
  const alive = `${newToken('alive-')}@gw.example`;
  const d = await gw.invite(alive, '13900000002');
  const invite = await rs.waitInvite(alive, QUEUE_MAX_MS + 15_000);
  const sd = await rs.answer(invite);
  const ok = await gw.waitResponse(alive, 'INVITE', (s) => s === 200, 'watchdog fail-open answered');
  await gw.ackAnswer(d, ok);
  const row = await callRow(alive, (c) => c.state === 'talking', 'fail-open call answered');
  assert.equal(row.failed_open, true, 'the watchdog failed the live call open');
  await byeFrom(rs, gw, sd, 'fail-open call');
  await callRow(alive, (c) => c.state === 'ended', 'fail-open call ended');

  const rung = rs.offersReceived().map(callIdOf);
  assert.deepEqual(rung, [alive], 'the seat was offered only the live call, never a cancelled one');
  for (const callId of cancelled) {
    assert.equal((await cc.calls()).filter((c) => c.sip_call_id === callId).length, 1, 'one call record per cancelled call');
  }
});

test('answered, then BYE from the caller or the seat, or held by re-INVITE, in every spelling', async () => {
  await cc.loginReady(seat);
  for (const sp of SPELLINGS) {
    const gw = new RawGateway(gwEp, sp, cc.sipRemote, '13900000003');
    const rs = new RawSeat(seatEp, sp, cc.sipRemote, seat.sipUser);

    const a = await answeredCall(sp, gw, rs, '13900000003');
    await byeFrom(gw, rs, a.d, `${sp.name}: BYE from the caller`);
    let row = await callRow(a.d.callId, (c) => c.state === 'ended', `${sp.name}: ended by the caller`);
    assert.equal(row.ended_by, 'caller', sp.name);
    assert.equal(row.answered_seat_id, seat.id, sp.name);
    await cc.waitForSeatState(seat, 'ready');

    const b = await answeredCall(sp, gw, rs, '13900000003');
    await byeFrom(rs, gw, b.sd, `${sp.name}: BYE from the seat`);
    row = await callRow(b.d.callId, (c) => c.state === 'ended', `${sp.name}: ended by the seat`);
    assert.equal(row.ended_by, 'seat', sp.name);
    await cc.waitForSeatState(seat, 'ready');

    const h = await answeredCall(sp, gw, rs, '13900000003');
    const cseq = await gw.hold(h.d);
    const reinvite = await rs.waitRequest(h.d.callId, 'INVITE', cseq);
    assert.match(reinvite.body, /a=sendonly/, `${sp.name}: the seat is offered hold`);
    await rs.acceptHold(reinvite);
    const held: SipMessage = await gw.waitResponse(h.d.callId, 'INVITE', (s) => s >= 200, `${sp.name}: answer to hold`, cseq);
    assert.equal(held.status, 200, `${sp.name}: hold accepted`);
    assert.match(held.body, /a=recvonly/, `${sp.name}: the caller hears the seat is on hold`);
    await gw.request(h.d, 'ACK', '', cseq);
    await rs.waitRequest(h.d.callId, 'ACK', cseq);
    await byeFrom(gw, rs, h.d, `${sp.name}: BYE after hold`);
    row = await callRow(h.d.callId, (c) => c.state === 'ended', `${sp.name}: held call ended`);
    assert.equal(row.ended_by, 'caller', sp.name);
    await cc.waitForSeatState(seat, 'ready');
  }
});

test('OPTIONS in every spelling from the trunk and from the seat: 200', async () => {
  for (const sp of SPELLINGS) {
    for (const ep of [gwEp, seatEp]) {
      const callId = `${newToken('o-')}@options`;
      await ep.send(spell(sp, `OPTIONS sip:${cc.sipRemote} SIP/2.0`, [
        ['Via', `SIP/2.0/UDP 127.0.0.1:${ep.port};branch=z9hG4bK${newToken()};rport`],
        ['Max-Forwards', '70'],
        ['From', `<sip:probe@127.0.0.1:${ep.port}>;tag=${newToken()}`],
        ['To', `<sip:${cc.sipRemote}>`],
        ['Call-ID', callId],
        ['CSeq', '1 OPTIONS'],
      ]), cc.sipRemote);
      const res = await ep.waitFor((m) => m.status !== undefined && callIdOf(m) === callId, 5000, `${sp.name}: answer to OPTIONS`);
      assert.equal(res.status, 200, `${sp.name} from port ${ep.port}`);
    }
  }
});
