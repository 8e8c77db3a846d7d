/**
 * A trunk gateway and a seat phone that speak raw SIP over UDP in one spelling (test/support/sip-spellings.ts),
 * so a test decides every byte of what Kamailio receives from either side. Each keeps the dialog state RFC 3261
 * 12.1 asks for (route set from Record-Route, remote target from Contact, tags, CSeq) and answers the requests
 * it gets (BYE, re-INVITE) only when the test tells it to; every wait has a timeout that says what it waited for.
 */
import { SipUdpEndpoint, callIdOf, cseqOf, header, headers, newBranch, newToken, param, uriOf, type SipMessage } from '../../support/sip-udp.ts';
import { waitFor, type CallCentre, type Seat } from './callcentre.ts';
import { audioSdp, spell, type Spelling } from '../../support/sip-spellings.ts';

export interface Dialog {
  callId: string;
  localTag: string;
  localUri: string;
  remoteUri: string;
  remoteTag: string;
  /** Request-URI for in-dialog requests (the peer's Contact). */
  remoteTarget: string;
  /** Route headers, in the order they are sent. */
  routeSet: string[];
  cseq: number;
  /** The initial INVITE's branch and CSeq (CANCEL and the ACK of a non-2xx reuse them, RFC 3261 9.1, 17.1.1.3). */
  inviteBranch: string;
  inviteCseq: number;
  requestUri: string;
}

const WAIT_MS = 10_000;

function isResponse(callId: string, method: string, pred: (s: number) => boolean, cseq?: number) {
  return (m: SipMessage) => m.status !== undefined && callIdOf(m) === callId && cseqOf(m).method === method && pred(m.status)
    && (cseq === undefined || cseqOf(m).n === cseq);
}

function isRequest(callId: string, method: string, cseq?: number) {
  return (m: SipMessage) => m.method === method && callIdOf(m) === callId && (cseq === undefined || cseqOf(m).n === cseq);
}

/** Something common to both sides: sending in-dialog requests, answering requests. */
abstract class RawParty {
  constructor(readonly ep: SipUdpEndpoint, readonly sp: Spelling, readonly proxy: string, readonly user: string) {}

  protected via(branch: string): string {
    return `SIP/2.0/UDP 127.0.0.1:${this.ep.port};branch=${branch};rport`;
  }

  get contact(): string {
    return `<sip:${this.user}@127.0.0.1:${this.ep.port}>`;
  }

  /** An in-dialog request (RFC 3261 12.2.1.1); ACK for a 2xx keeps the INVITE's CSeq number. */
  async request(d: Dialog, method: string, body = '', cseq?: number, extra: Array<[string, string]> = [], contentType?: string): Promise<void> {
    if (cseq === undefined) d.cseq += 1;
    const n = cseq ?? d.cseq;
    const hdrs: Array<[string, string]> = [
      ['Via', this.via(newBranch())],
      ...d.routeSet.map((r): [string, string] => ['Route', r]),
      ['Max-Forwards', '70'],
      ['From', `<${d.localUri}>;tag=${d.localTag}`],
      ['To', `<${d.remoteUri}>;tag=${d.remoteTag}`],
      ['Call-ID', d.callId],
      ['CSeq', `${n} ${method}`],
    ];
    if (method === 'INVITE') hdrs.push(['Contact', this.contact]);
    hdrs.push(...extra);
    await this.ep.send(spell(this.sp, `${method} ${d.remoteTarget} SIP/2.0`, hdrs, body, contentType), this.proxy);
  }

  /** A response to `req` (RFC 3261 8.2.6): Vias, From, To (with our tag), Call-ID, CSeq; Record-Route for a dialog. */
  async respond(req: SipMessage, status: number, reason: string, opts: { toTag?: string; body?: string; contact?: boolean } = {}): Promise<void> {
    const to = header(req, 'to');
    const hdrs: Array<[string, string]> = [
      ...headers(req, 'via').map((v): [string, string] => ['Via', v]),
      ['From', header(req, 'from')],
      ['To', opts.toTag && param(to, 'tag') === undefined ? `${to};tag=${opts.toTag}` : to],
      ['Call-ID', callIdOf(req)],
      ['CSeq', `${cseqOf(req).n} ${cseqOf(req).method}`],
    ];
    if (req.method === 'INVITE' && status > 100 && status < 300) {
      for (const rr of headers(req, 'record-route')) hdrs.push(['Record-Route', rr]);
      if (opts.contact !== false) hdrs.push(['Contact', this.contact]);
    }
    await this.ep.send(spell(this.sp, `SIP/2.0 ${status} ${reason}`, hdrs, opts.body ?? ''), `${req.source.address}:${req.source.port}`);
  }

  waitRequest(callId: string, method: string, cseq?: number, timeoutMs = WAIT_MS): Promise<SipMessage> {
    return this.ep.waitFor(isRequest(callId, method, cseq), timeoutMs, `${method} (CSeq ${cseq ?? 'any'}) of ${callId}`);
  }

  waitResponse(callId: string, method: string, pred: (s: number) => boolean, what: string, cseq?: number, timeoutMs = WAIT_MS): Promise<SipMessage> {
    return this.ep.waitFor(isResponse(callId, method, pred, cseq), timeoutMs, `${what} to ${method} of ${callId}`);
  }

  /** Every request of `method` for `callId` received so far. */
  requests(callId: string, method: string): SipMessage[] {
    return this.ep.received.filter(isRequest(callId, method));
  }
}

/** The trunk gateway: calls 120, cancels, ACKs, hangs up, holds, answers BYE. */
export class RawGateway extends RawParty {
  /** The RTP port its SDP offers (a test with real media sets the port its RTP socket is bound to). */
  rtpPort = 40000;

  async invite(callId: string, caller: string, service = '120'): Promise<Dialog> {
    const requestUri = `sip:${service}@${this.proxy}`;
    const d: Dialog = {
      callId, localTag: newToken('gw'), localUri: `sip:${caller}@127.0.0.1:${this.ep.port}`, remoteUri: requestUri,
      remoteTag: '', remoteTarget: requestUri, routeSet: [], cseq: 1, inviteBranch: newBranch(), inviteCseq: 1, requestUri,
    };
    await this.sendInvite(d);
    return d;
  }

  /** INVITE, its CANCEL (RFC 3261 9.1) and the ACK of a non-2xx (17.1.1.3) share the branch, From, Call-ID, CSeq number. */
  private inviteTransaction(d: Dialog, method: string, to = `<${d.remoteUri}>`): Array<[string, string]> {
    return [
      ['Via', this.via(d.inviteBranch)],
      ['Max-Forwards', '70'],
      ['From', `"Gateway E1" <${d.localUri}>;x-gw=e1;tag=${d.localTag}`],
      ['To', to],
      ['Call-ID', d.callId],
      ['CSeq', `${d.inviteCseq} ${method}`],
    ];
  }

  private async sendInvite(d: Dialog): Promise<void> {
    const hdrs = [...this.inviteTransaction(d, 'INVITE'), ['Contact', this.contact] as [string, string], ['Supported', 'timer'] as [string, string]];
    await this.ep.send(spell(this.sp, `INVITE ${d.requestUri} SIP/2.0`, hdrs, audioSdp(this.rtpPort)), this.proxy);
  }

  async cancel(d: Dialog): Promise<void> {
    await this.ep.send(spell(this.sp, `CANCEL ${d.requestUri} SIP/2.0`, this.inviteTransaction(d, 'CANCEL')), this.proxy);
  }

  async ackFailure(d: Dialog, final: SipMessage): Promise<void> {
    await this.ep.send(spell(this.sp, `ACK ${d.requestUri} SIP/2.0`, this.inviteTransaction(d, 'ACK', header(final, 'to'))), this.proxy);
  }

  /** Takes the dialog from the 2xx (RFC 3261 12.1.2: route set = Record-Route reversed) and ACKs it. */
  async ackAnswer(d: Dialog, ok: SipMessage): Promise<void> {
    d.remoteTag = param(header(ok, 'to'), 'tag') ?? '';
    d.remoteTarget = uriOf(header(ok, 'contact'));
    d.routeSet = [...headers(ok, 'record-route')].reverse();
    await this.request(d, 'ACK', '', cseqOf(ok).n);
  }

  /** Hold (RFC 3264 8.4): a re-INVITE offering sendonly. */
  async hold(d: Dialog): Promise<number> {
    await this.request(d, 'INVITE', audioSdp(this.rtpPort, 'sendonly', 2));
    return d.cseq;
  }
}

/** A seat's phone: gets the offer, rings, answers, hangs up, answers BYE and re-INVITE. */
export class RawSeat extends RawParty {
  /** The RTP port its SDP answers with (a test with real media sets the port its RTP socket is bound to). */
  rtpPort = 41000;

  waitInvite(callId: string, timeoutMs = WAIT_MS): Promise<SipMessage> {
    return this.ep.waitFor((m) => m.method === 'INVITE' && callIdOf(m) === callId && param(header(m, 'to'), 'tag') === undefined,
      timeoutMs, `the offer (INVITE) of ${callId}`);
  }

  /** INVITEs this seat received (initial ones, not re-INVITEs). */
  offersReceived(): SipMessage[] {
    return this.ep.received.filter((m) => m.method === 'INVITE' && param(header(m, 'to'), 'tag') === undefined);
  }

  /** 180 then 200 with an answer; returns the seat's side of the dialog (RFC 3261 12.1.1). */
  async answer(invite: SipMessage, ring = true): Promise<Dialog> {
    const tag = newToken('seat');
    if (ring) await this.respond(invite, 180, 'Ringing', { toTag: tag });
    await this.respond(invite, 200, 'OK', { toTag: tag, body: audioSdp(this.rtpPort) });
    return this.dialogOf(invite, tag);
  }

  dialogOf(invite: SipMessage, tag: string): Dialog {
    return {
      callId: callIdOf(invite), localTag: tag, localUri: uriOf(header(invite, 'to')), remoteUri: uriOf(header(invite, 'from')),
      remoteTag: param(header(invite, 'from'), 'tag') ?? '', remoteTarget: uriOf(header(invite, 'contact')),
      routeSet: headers(invite, 'record-route'), cseq: 100, inviteBranch: '', inviteCseq: cseqOf(invite).n, requestUri: invite.uri ?? '',
    };
  }

  /** Answers a re-INVITE for hold with recvonly (RFC 3264 8.4). */
  async acceptHold(reinvite: SipMessage): Promise<void> {
    await this.respond(reinvite, 200, 'OK', { body: audioSdp(this.rtpPort, 'recvonly', 2) });
  }
}

/** A seat registered (with SIPp, digest) whose port then speaks raw SIP, and a trunk port for the gateway. */
export interface RawEndpoints {
  seat: Seat;
  seatEp: SipUdpEndpoint;
  gwEp: SipUdpEndpoint;
  close(): Promise<void>;
}

export async function openRawEndpoints(cc: CallCentre): Promise<RawEndpoints> {
  const [seat] = await cc.createSeats(1);
  const { port } = await cc.registerSeat(seat!);
  const seatEp = await SipUdpEndpoint.open(port);
  const gwEp = await SipUdpEndpoint.open((await cc.createTrunkPort()).port);
  await waitFor(async () => (await cc.seatState(seat!)).registered === true, 15_000, `seat ${seat!.id} registered`, 200);
  return { seat: seat!, seatEp, gwEp, close: async () => { await seatEp.close(); await gwEp.close(); } };
}

/** The dialog of a party the control plane dialled out (Kamailio's INVITE) as the party, its UAS, holds it: its BYE goes to Kamailio's Contact. */
export function dialledDialog(inv: SipMessage, localTag: string): Dialog {
  const from = header(inv, 'from');
  const contact = /<([^>]+)>/.exec(header(inv, 'contact'))![1]!;
  return {
    callId: callIdOf(inv), localTag, localUri: /<([^>]+)>/.exec(header(inv, 'to'))![1]!,
    remoteUri: /<([^>]+)>/.exec(from)![1]!, remoteTag: param(from, 'tag')!, remoteTarget: contact, routeSet: [], cseq: 1, inviteBranch: '', inviteCseq: 1, requestUri: contact,
  };
}
