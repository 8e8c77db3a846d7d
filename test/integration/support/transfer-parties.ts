/**
 * A blind-transfer rig on the real daemons (docs/transfers.md): a raw-UDP trunk gateway and two raw seats, A (the
 * dispatcher who transfers) and B (a target), an outside party (`out`: what answers 110 behind the outgoing trunk
 * `pstn-out`, and the county centre's SIP address), with the linkage directory entries the transfers dial. The gateway
 * does what a REFER-capable E1 gateway does, step by step as the caller of each helper decides (raw-sip-parties.ts).
 */
import { waitFor, type CallCentre, type Seat } from './callcentre.ts';
import { RawGateway, RawSeat, openRawEndpoints, type Dialog, type RawEndpoints } from './raw-sip-parties.ts';
import { SipUdpEndpoint, newToken } from '../../support/sip-udp.ts';
import { SPELLINGS } from '../../support/sip-spellings.ts';

export interface Connected { d: Dialog; a: Dialog; callId: string; recordId: string }

export class TransferRig {
  private constructor(
    readonly cc: CallCentre, readonly seatA: Seat, readonly seatB: Seat, readonly gw: RawGateway, readonly rsA: RawSeat, readonly rsB: RawSeat,
    readonly caller: string, private readonly raw: RawEndpoints, private readonly epB: SipUdpEndpoint, readonly out: RawSeat,
  ) {}

  /** The number 110 sees (police-110's presented_number). */
  static readonly PRESENTED_110 = '12088880120';

  /**
   * Seats A (logged in, ready) and B (registered, logged out), the gateway, the outside party, and directory entries
   * seat-b, main-queue, police-110 (number 110 out through trunk pstn-out, presenting PRESENTED_110) and county-a (a
   * centre at the outside party's SIP address, no trunk: the caller's own number is presented).
   */
  static async open(cc: CallCentre, caller: string): Promise<TransferRig> {
    const raw = await openRawEndpoints(cc);
    const [seatB] = await cc.createSeats(1);
    const { port } = await cc.registerSeat(seatB!);
    const epB = await SipUdpEndpoint.open(port);
    await waitFor(async () => (await cc.seatState(seatB!)).registered === true, 15_000, 'seat B registered', 200);
    const sp = SPELLINGS[0]!;
    const outPort = await cc.leasePort();
    const out = new RawSeat(await SipUdpEndpoint.open(outPort), sp, cc.sipRemote, 'outside');
    await cc.apiOk('POST', '/v1/trunks', { id: 'pstn-out', name: '出局中继', ip_addr: '127.0.0.1', port: outPort, gateway_uri: `sip:127.0.0.1:${outPort}` });
    const rig = new TransferRig(cc, raw.seat, seatB!, new RawGateway(raw.gwEp, sp, cc.sipRemote, caller), new RawSeat(raw.seatEp, sp, cc.sipRemote, raw.seat.sipUser),
      new RawSeat(epB, sp, cc.sipRemote, seatB!.sipUser), caller, raw, epB, out);
    for (const d of [
      { id: 'seat-b', name: '二号调度席', category: 'seat', kind: 'seat', seat_id: seatB!.id, sort_order: 1 },
      { id: 'main-queue', name: '主队列', category: 'queue', kind: 'queue', queue_id: 'city-main', sort_order: 2 },
      {
        id: 'police-110', name: '公安110', category: 'police', kind: 'number', number: '110', trunk_id: 'pstn-out', presented_number: TransferRig.PRESENTED_110,
        speed_key: '110', sort_order: 3,
      },
      { id: 'county-a', name: '甲县急救分中心', category: 'county_centre', kind: 'centre', sip_uri: `sip:120@127.0.0.1:${outPort}`, sort_order: 4 },
    ]) await cc.apiOk('POST', '/v1/linkage/destinations', d, [201]);
    await cc.loginReady(raw.seat);
    return rig;
  }

  async close(): Promise<void> {
    await this.raw.close();
    await this.epB.close();
    await this.out.ep.close();
  }

  /** The caller reaches seat A (the only ready seat) and both sides have the dialog. */
  async connectToA(): Promise<Connected> {
    const callId = `${newToken('xf-')}@gw.example`;
    const d = await this.gw.invite(callId, this.caller);
    const a = await this.rsA.answer(await this.rsA.waitInvite(callId));
    await this.gw.ackAnswer(d, await this.gw.waitResponse(callId, 'INVITE', (s) => s === 200, 'seat A\'s 200'));
    await this.rsA.waitRequest(callId, 'ACK');
    const row = await this.cc.waitForCall((c) => c.sip_call_id === callId && c.state === 'talking', 10_000, 'call talking at seat A');
    return { d, a, callId, recordId: row.id };
  }

  /** POST /v1/calls/:id/transfers; the Refer-To URI. */
  async startTransfer(c: Connected, destinationId: string): Promise<string> {
    const started = await this.cc.apiOk<{ refer_to: string }>('POST', `/v1/calls/${c.recordId}/transfers`, { destination: { destination_id: destinationId }, mode: 'blind' }, [201]);
    return started.refer_to;
  }

  /** Seat A's phone sends the REFER (RFC 3515 2.1: Refer-To, and a Contact for the implicit subscription). */
  async referFromA(c: Connected, referTo: string): Promise<void> {
    await this.rsA.request(c.a, 'REFER', '', undefined, [['Refer-To', `<${referTo}>`], ['Referred-By', `<sip:${this.seatA.sipUser}@cti>`], ['Contact', this.rsA.contact]]);
  }

  /** The dispatcher transfers, seat A sends the REFER, the gateway accepts it (202) and sends its new INVITE. */
  async transferAccepted(c: Connected, destinationId: string): Promise<{ newCallId: string; d2: Dialog; referTo: string }> {
    const referTo = await this.startTransfer(c, destinationId);
    await this.referFromA(c, referTo);
    await this.gw.respond(await this.gw.waitRequest(c.callId, 'REFER'), 202, 'Accepted');
    const newCallId = `${newToken('xn-')}@gw.example`;
    return { newCallId, d2: await this.gw.invite(newCallId, this.caller, referUser(referTo)), referTo };
  }

  /** The gateway's NOTIFY of the refer subscription with a message/sipfrag body (RFC 3515 2.4.4), answered by Kamailio. */
  async notifyFromGateway(c: Connected, status: string, terminated: boolean): Promise<void> {
    await this.gw.request(c.d, 'NOTIFY', `SIP/2.0 ${status}\r\n`, undefined,
      [['Event', 'refer'], ['Subscription-State', terminated ? 'terminated;reason=noresource' : 'active;expires=60'], ['Contact', this.gw.contact]], 'message/sipfrag');
    await this.gw.waitResponse(c.callId, 'NOTIFY', (s) => s === 200, 'NOTIFY answered by Kamailio', c.d.cseq);
  }

  /** The gateway hangs up a dialog; the seat on its other end answers the BYE. */
  async hangUpFromGateway(d: Dialog, seat: RawSeat): Promise<void> {
    await this.gw.request(d, 'BYE');
    await seat.respond(await seat.waitRequest(d.callId, 'BYE'), 200, 'OK');
    await this.gw.waitResponse(d.callId, 'BYE', (s) => s === 200, 'BYE answered', d.cseq);
  }

  /** Seat B answers the new INVITE and the gateway ACKs it. */
  async answerAtB(newCallId: string, d2: Dialog): Promise<void> {
    await this.rsB.answer(await this.rsB.waitInvite(newCallId));
    await this.gw.ackAnswer(d2, await this.gw.waitResponse(newCallId, 'INVITE', (s) => s === 200, 'seat B\'s 200'));
    await this.rsB.waitRequest(newCallId, 'ACK');
  }
}

/** The user part of a Refer-To URI: `xfer-<token>`. */
export function referUser(referTo: string): string {
  return /^sip:(xfer-[A-Za-z0-9_-]+)@/.exec(referTo)![1]!;
}
