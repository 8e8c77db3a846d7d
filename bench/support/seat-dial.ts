/**
 * A seat's phone dialling a number or another seat through Kamailio as a dispatcher would without the control plane
 * (bench/transfer.ts, the transfers' peer): an INVITE, Kamailio's 407, the ACK of it, the INVITE again with the
 * digest (RFC 2617 / 7616, MD5, qop=auth, what route[AUTH]'s auth_challenge asks), then whatever Kamailio's usual
 * route does with it (seat to seat: lookup and relay; an external number: route OUTBOUND out through a trunk).
 * The digest is a few lines of MD5 written here rather than a library: the bench's raw seats speak SIP by hand
 * (test/integration/support/raw-sip-parties.ts) and no SIP stack is a dependency of the project.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Dialog, RawSeat } from '../../test/integration/support/raw-sip-parties.ts';
import { callIdOf, cseqOf, header, headers, newBranch, newToken, param, uriOf, type SipMessage } from '../../test/support/sip-udp.ts';
import { audioSdp, spell } from '../../test/support/sip-spellings.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** The Proxy-Authorization for a 407's Proxy-Authenticate (qop=auth when offered). */
export function digestAuthorization(challenge: string, user: string, password: string, method: string, uri: string): string {
  const field = (name: string) => new RegExp(`${name}="?([^",]+)"?`, 'i').exec(challenge)?.[1];
  const realm = field('realm') ?? '';
  const nonce = field('nonce') ?? '';
  const ha1 = md5(`${user}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  const qop = /qop="?[^"]*\bauth\b/i.test(challenge) ? 'auth' : undefined;
  const parts = [`Digest username="${user}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${uri}"`, 'algorithm=MD5'];
  if (!qop) return [...parts, `response="${md5(`${ha1}:${nonce}:${ha2}`)}"`].join(', ');
  const cnonce = newToken('cn');
  const nc = '00000001';
  return [...parts, `qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`, `response="${md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`)}"`].join(', ');
}

export interface Dialled {
  callId: string;
  /** The Request-URI (the ACK of a failure repeats it) and our From tag. */
  uri: string;
  tag: string;
  /** performance.now() when the first INVITE (the one Kamailio challenges) left, and when the one with the digest left. */
  firstSentAt: number;
  authSentAt: number;
}

/**
 * Seat `seat` (SIP user and password) dials `user` at Kamailio (`seat.proxy`): INVITE, 407, ACK, INVITE with the
 * digest. Returns when the authenticated INVITE is sent; what happens next is the caller's to wait for.
 */
export async function dialFromSeat(seat: RawSeat, password: string, user: string): Promise<Dialled> {
  const callId = `${newToken('sd-')}@seat.example`;
  const uri = `sip:${user}@${seat.proxy}`;
  const tag = newToken('sd');
  const base = (branch: string, n: number, method: string, to = `<${uri}>`): Array<[string, string]> => [
    ['Via', `SIP/2.0/UDP 127.0.0.1:${seat.ep.port};branch=${branch};rport`], ['Max-Forwards', '70'],
    ['From', `<sip:${seat.user}@${seat.proxy}>;tag=${tag}`], ['To', to], ['Call-ID', callId], ['CSeq', `${n} ${method}`],
  ];
  const send = (hdrs: Array<[string, string]>, method = 'INVITE', body = audioSdp(seat.rtpPort)) =>
    seat.ep.send(spell(seat.sp, `${method} ${uri} SIP/2.0`, method === 'INVITE' ? [...hdrs, ['Contact', seat.contact]] : hdrs, body), seat.proxy);
  const firstBranch = newBranch();
  const challenged = seat.ep.waitFor((m) => m.status === 407 && callIdOf(m) === callId, 10_000, `Kamailio's 407 to ${callId}`);
  const firstSentAt = performance.now();
  await send(base(firstBranch, 1, 'INVITE'));
  const c = await challenged;
  await send(base(firstBranch, 1, 'ACK', header(c, 'to')), 'ACK', ''); // RFC 3261 17.1.1.3: the ACK of a non-2xx
  const auth = digestAuthorization(header(c, 'proxy-authenticate'), seat.user, password, 'INVITE', uri);
  const authSentAt = performance.now();
  await send([...base(newBranch(), 2, 'INVITE'), ['Proxy-Authorization', auth]]);
  return { callId, uri, tag, firstSentAt, authSentAt };
}

/** The dialling seat ACKs the final failure response (the target said busy) of its authenticated INVITE (RFC 3261 17.1.1.3). */
export async function ackFailureAtSeat(seat: RawSeat, d: Dialled): Promise<SipMessage> {
  const final = await seat.ep.waitFor((m) => (m.status ?? 0) >= 300 && callIdOf(m) === d.callId && cseqOf(m).n === 2, 10_000, `the final answer to ${d.callId}`);
  const hdrs: Array<[string, string]> = [
    ['Via', header(final, 'via')], ['Max-Forwards', '70'], ['From', header(final, 'from')], ['To', header(final, 'to')], ['Call-ID', d.callId], ['CSeq', '2 ACK'],
  ];
  await seat.ep.send(spell(seat.sp, `ACK ${d.uri} SIP/2.0`, hdrs, ''), seat.proxy);
  return final;
}

/** The dialling seat's dialog from the 200 of its authenticated INVITE (RFC 3261 12.1.2), the 200 ACKed. */
export async function ackAnswerAtSeat(seat: RawSeat, d: Dialled): Promise<Dialog & { ok: SipMessage }> {
  const ok = await seat.ep.waitFor((m) => m.status === 200 && callIdOf(m) === d.callId && cseqOf(m).n === 2, 10_000, `the 200 to ${d.callId}`);
  const dialog: Dialog = {
    callId: d.callId, localTag: d.tag, localUri: `sip:${seat.user}@${seat.proxy}`, remoteUri: d.uri, remoteTag: param(header(ok, 'to'), 'tag') ?? '',
    remoteTarget: uriOf(header(ok, 'contact')), routeSet: [...headers(ok, 'record-route')].reverse(), cseq: 2, inviteBranch: '', inviteCseq: 2, requestUri: d.uri,
  };
  await seat.request(dialog, 'ACK', '', 2);
  return Object.assign(dialog, { ok });
}
