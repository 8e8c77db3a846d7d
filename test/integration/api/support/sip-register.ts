/**
 * A minimal SIP UAC for one thing: REGISTER with digest authentication over UDP (RFC 3261 §10, §22;
 * RFC 2617 §3.2.2 for the response, with or without qop=auth). Enough to prove that Kamailio
 * authenticates a seat through the `subscriber` view; not a general SIP stack.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export interface RegisterTarget { host: string; port: number; domain: string }

function parseStatus(msg: string): number {
  const m = /^SIP\/2\.0 (\d{3})/.exec(msg);
  if (!m) throw new Error(`not a SIP response: ${msg.slice(0, 80)}`);
  return Number(m[1]);
}

function header(msg: string, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(msg)?.[1]?.trim();
}

function param(h: string, name: string): string | undefined {
  return new RegExp(`${name}="?([^",]+)"?`, 'i').exec(h)?.[1];
}

function request(sock: Socket, t: RegisterTarget, user: string, cseq: number, callId: string, auth?: string): string {
  const local = sock.address();
  return [
    `REGISTER sip:${t.domain} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    'Max-Forwards: 70',
    `From: <sip:${user}@${t.domain}>;tag=${randomBytes(4).toString('hex')}`,
    `To: <sip:${user}@${t.domain}>`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} REGISTER`,
    `Contact: <sip:${user}@127.0.0.1:${local.port}>`,
    'Expires: 60',
    'User-Agent: cti120-api-test',
    ...(auth ? [`Authorization: ${auth}`] : []),
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

function exchange(sock: Socket, t: RegisterTarget, msg: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { sock.off('message', onMessage); reject(new Error('no SIP response')); }, timeoutMs);
    function onMessage(buf: Buffer): void {
      const text = buf.toString('utf8');
      if (parseStatus(text) < 200) return;
      clearTimeout(timer);
      sock.off('message', onMessage);
      resolve(text);
    }
    sock.on('message', onMessage);
    sock.send(msg, t.port, t.host);
  });
}

/** REGISTERs `user` with `password`; returns the final status (200 when Kamailio accepted the digest). */
export async function registerWithDigest(t: RegisterTarget, user: string, password: string): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  try {
    const callId = `${randomBytes(8).toString('hex')}@127.0.0.1`;
    const first = await exchange(sock, t, request(sock, t, user, 1, callId));
    if (parseStatus(first) !== 401) return parseStatus(first);
    const challenge = header(first, 'WWW-Authenticate')!;
    const realm = param(challenge, 'realm')!;
    const nonce = param(challenge, 'nonce')!;
    const qop = param(challenge, 'qop');
    const uri = `sip:${t.domain}`;
    const ha1 = md5(`${user}:${realm}:${password}`);
    const ha2 = md5(`REGISTER:${uri}`);
    const cnonce = randomBytes(4).toString('hex');
    const response = qop ? md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
    const auth = `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5`
      + (qop ? `, qop=auth, nc=00000001, cnonce="${cnonce}"` : '');
    return parseStatus(await exchange(sock, t, request(sock, t, user, 2, callId, auth)));
  } finally {
    sock.close();
  }
}
