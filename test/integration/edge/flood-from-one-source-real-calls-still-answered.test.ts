/**
 * Kamailio's flood guard (kamailio.cfg.tpl route[REQINIT]: pike for every source that is not a trunk,
 * 300 requests per 2 s) on the real stack: a SIPp flood of unauthenticated INVITEs from 127.0.0.2 is blocked
 * while every real call from the trunk at 127.0.0.3 is answered; scanner User-Agents get no answer at all.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCallCentre, sleep, waitFor, type CallCentre } from '../support/callcentre.ts';
import { startSipp } from '../../support/sipp.ts';

const FLOOD_IP = '127.0.0.2';
const TRUNK_IP = '127.0.0.3';
const SCANNER_IP = '127.0.0.4';
const REAL_CALLS = 10;

let cc: CallCentre;

before(async () => {
  cc = await startCallCentre('edge-flood', { queue: { wrapup_s: 0, ring_timeout_s: 10 } });
});
after(async () => { await cc?.close(); });

function kamailioLog(): string {
  return readFileSync(join(cc.stack.info.logsDir, 'kamailio.log'), 'utf8');
}

/** One SIP request over UDP from `ip`; resolves with the status lines received within `waitMs`. */
async function sendRaw(ip: string, request: (port: number) => string, waitMs = 2000): Promise<string[]> {
  const socket = createSocket('udp4');
  const replies: string[] = [];
  socket.on('message', (m) => replies.push(m.toString('utf8').split('\r\n')[0]!));
  await new Promise<void>((resolve) => socket.bind(0, ip, resolve));
  const [host, port] = cc.sipRemote.split(':');
  socket.send(request(socket.address().port), Number(port), host);
  await sleep(waitMs);
  socket.close();
  return replies;
}

function invite(ip: string, userAgent: string, n: number) {
  return (port: number) => [
    `INVITE sip:120@${cc.sipRemote} SIP/2.0`,
    `Via: SIP/2.0/UDP ${ip}:${port};branch=z9hG4bK-scan-${n}-${Date.now()}`,
    `From: <sip:100@${ip}>;tag=scan${n}`,
    `To: <sip:120@${cc.sipRemote}>`,
    `Call-ID: scan-${n}-${Date.now()}@${ip}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:100@${ip}:${port}>`,
    'Max-Forwards: 70',
    `User-Agent: ${userAgent}`,
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

test('a flood of INVITEs from 127.0.0.2 is blocked by pike while every trunk call from 127.0.0.3 is answered', async () => {
  const seats = await cc.createSeats(3);
  for (const s of seats) {
    await cc.startSeatPhone(s, 'uas-seat-answer-audio.xml');
    await cc.loginReady(s);
  }
  await cc.apiOk('POST', '/v1/trunks', { id: 'trunk-edge', name: '测试中继 127.0.0.3', ip_addr: TRUNK_IP, port: null });

  // 2000 INVITEs/s for 8 s from one address (far above 300 per 2 s), in the background.
  const flood = await startSipp({
    scenario: 'uac-flood-invite-407-or-dropped.xml', remote: cc.sipRemote, localIp: FLOOD_IP, service: '120',
    calls: 16_000, rate: 2000, concurrent: 20_000, timeoutS: 40,
  });
  // the real calls start once pike is dropping the flood
  await waitFor(() => kamailioLog().includes(`pike: flood from ${FLOOD_IP}`), 15_000, `pike blocking ${FLOOD_IP} in kamailio.log`, 50);
  const real = await startSipp({
    scenario: 'uac-120-expect-answer-many.xml', remote: cc.sipRemote, localIp: TRUNK_IP, service: '120',
    calls: REAL_CALLS, rate: 1, concurrent: REAL_CALLS, timeoutS: 60, vars: { talk_ms: '500' },
    injection: [{ caller: '13700137000', display: 'real caller' }],
  });
  const realResult = await real.done;
  const floodResult = await flood.stop();

  assert.ok(floodResult.created > 3000, `the flood sent ${floodResult.created} INVITEs`);
  assert.equal(realResult.successful, REAL_CALLS, `real calls: ${realResult.successful}/${REAL_CALLS}\n${realResult.errorLog}\n${realResult.messageLog}`);
  const answered = await cc.waitForCalls(REAL_CALLS, (c) => c.caller_number === '13700137000' && c.answered_seat_id !== null && c.state === 'ended', 20_000);
  assert.equal(answered.length, REAL_CALLS);
  assert.ok(answered.every((c) => c.trunk_id === 'trunk-edge'), 'the real calls came in over the trunk');
  const log = kamailioLog();
  const blocked = log.split('\n').filter((l) => l.includes(`pike: flood from ${FLOOD_IP}`)).length;
  assert.ok(blocked > 0, 'Kamailio logged pike blocking 127.0.0.2');
  assert.ok(!log.includes(`pike: flood from ${TRUNK_IP}`), 'the trunk was never blocked');
  assert.equal((await cc.calls()).filter((c) => c.caller_number === 'flood').length, 0, 'no flood INVITE became a call');
});

test('scanner User-Agents (friendly-scanner, sipvicious) get no answer at all; a normal one is challenged', async () => {
  assert.deepEqual(await sendRaw(SCANNER_IP, invite(SCANNER_IP, 'friendly-scanner', 1)), []);
  assert.deepEqual(await sendRaw(SCANNER_IP, invite(SCANNER_IP, 'sipvicious/0.3.3', 2)), []);
  const normal = await sendRaw(SCANNER_IP, invite(SCANNER_IP, 'Linphone/5.2', 3));
  assert.ok(normal.some((l) => /^SIP\/2\.0 407/.test(l)), `a normal UA is challenged: ${normal.join(' | ')}`);
  assert.match(kamailioLog(), new RegExp(`scanner user agent from ${SCANNER_IP.replace(/\./g, '\\.')}`));
});
