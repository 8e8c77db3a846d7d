/**
 * The scenarios against a real proxy: a throw-away Kamailio 5.6 (no database) that record-routes trunk calls
 * to 120 on to one seat, authenticates REGISTER with a fixed password (auth module's pv_www_authenticate)
 * and challenges INVITEs from anyone else with 407. Checks that ACK and BYE from either side follow the route
 * set (RFC 3261 12.1, 16.12), that CANCEL crosses the proxy and the seat's 487 carries the proxy's Via too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort, runSipp, startSipp, waitForUdpListener, type SippResult } from '../../support/sipp.ts';

const hasKamailio = spawnSync('kamailio', ['-v']).status === 0;
const PASSWORD = 's3cret';

function config(port: number, trunkPort: number, seatPort: number): string {
  return `#!KAMAILIO
debug=1
log_stderror=yes
children=2
auto_aliases=no
listen=udp:127.0.0.1:${port}
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
modparam("usrloc", "db_mode", 0)
modparam("auth", "qop", "auth")

request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here"); exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (is_method("REGISTER")) {
    if (!pv_www_authenticate("$td", "${PASSWORD}", "0")) { www_challenge("$td", "0"); exit; }
    save("location"); exit;
  }
  if (is_method("INVITE") && $rU == "120" && $si == "127.0.0.1" && $sp == ${trunkPort}) {
    record_route();
    $rU = "seat01";
    $du = "sip:127.0.0.1:${seatPort}";
    t_relay(); exit;
  }
  if (is_method("INVITE") && !pv_proxy_authenticate("$fd", "${PASSWORD}", "0")) { proxy_challenge("$fd", "0"); exit; }
  sl_send_reply("403", "Forbidden");
}
`;
}

let dir = '';
let kamailio: ChildProcess | undefined;
let kamailioLog = '';
let sipPort = 0;
let trunkPort = 0;
let seatPort = 0;

before(async () => {
  if (!hasKamailio) return;
  dir = mkdtempSync(join(tmpdir(), 'cti120-kamailio-'));
  [sipPort, trunkPort, seatPort] = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
  writeFileSync(join(dir, 'kamailio.cfg'), config(sipPort, trunkPort, seatPort));
  kamailio = spawn('kamailio', ['-f', join(dir, 'kamailio.cfg'), '-DD', '-E', '-Y', dir, '-w', dir, '-m', '32', '-M', '4'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  kamailio.stderr?.on('data', (d: Buffer) => (kamailioLog = (kamailioLog + d.toString()).slice(-8000)));
  await waitForUdpListener(sipPort, '127.0.0.1', 10_000);
});

after(async () => {
  if (kamailio && kamailio.exitCode === null) {
    const closed = new Promise((resolve) => kamailio?.once('close', resolve));
    kamailio.kill('SIGTERM');
    await closed;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function brief(r: SippResult): string {
  return JSON.stringify({ exit: r.exitCode, err: r.errorLog.slice(-600), msgs: r.messageLog.slice(-2000), kamailio: kamailioLog.slice(-1000) });
}

function messages(r: SippResult): string {
  const text = readFileSync(join(r.traceDir, 'messages.log'), 'utf8');
  rmSync(r.traceDir, { recursive: true, force: true });
  return text;
}

/** The request line and headers of every sent request with that method. */
function sent(log: string, method: string): string[] {
  return log.split(/-{20,}/).filter((m) => m.includes('message sent') && m.includes(`\n${method} sip:`));
}

const opts = { skip: !hasKamailio && 'kamailio not installed' };

test('trunk call through the proxy, caller hangs up: ACK and BYE carry the Record-Route as Route', opts, async () => {
  const seat = await startSipp({ scenario: 'uas-seat-answer-audio.xml', service: 'seat01', calls: 1, localPort: seatPort, timeoutS: 30, keepTraces: true });
  await waitForUdpListener(seatPort);
  const caller = await runSipp({ scenario: 'uac-120-expect-answer-audio.xml', remote: `127.0.0.1:${sipPort}`, localPort: trunkPort, timeoutS: 30, keepTraces: true });
  const seatResult = await seat.done;
  assert.ok(caller.ok, brief(caller));
  assert.ok(seatResult.ok, brief(seatResult));
  const log = messages(caller);
  const route = new RegExp(`\\nRoute: <sip:127\\.0\\.0\\.1:${sipPort};lr[;>]`);
  for (const m of [...sent(log, 'ACK'), ...sent(log, 'BYE')]) assert.match(m, route);
  assert.equal(sent(log, 'BYE').length, 1);
  assert.match(messages(seatResult), /SIP\/2\.0 200 OK[\s\S]*?\nRecord-Route: <sip:127\.0\.0\.1:\d+;lr[;>]/);
});

test('trunk call through the proxy, seat hangs up: the seat BYE follows the route set to the caller', opts, async () => {
  const seat = await startSipp({ scenario: 'uas-seat-answer-then-bye.xml', service: 'seat01', calls: 1, localPort: seatPort, timeoutS: 30, keepTraces: true });
  await waitForUdpListener(seatPort);
  const caller = await runSipp({ scenario: 'uac-120-expect-answer-then-remote-bye.xml', remote: `127.0.0.1:${sipPort}`, localPort: trunkPort, timeoutS: 30 });
  const seatResult = await seat.done;
  assert.ok(caller.ok, brief(caller));
  assert.ok(seatResult.ok, brief(seatResult));
  const bye = sent(messages(seatResult), 'BYE');
  assert.equal(bye.length, 1);
  assert.match(bye[0], new RegExp(`\\nBYE sip:13800138000@127\\.0\\.0\\.1:${trunkPort};transport=UDP SIP/2\\.0`));
  assert.match(bye[0], new RegExp(`\\nRoute: <sip:127\\.0\\.0\\.1:${sipPort};lr[;>]`));
});

test('caller cancels through the proxy: 200 to CANCEL, 487 with both Vias, ACK', opts, async () => {
  const seat = await startSipp({ scenario: 'uas-seat-no-answer.xml', service: 'seat01', calls: 1, localPort: seatPort, timeoutS: 30, keepTraces: true });
  await waitForUdpListener(seatPort);
  const caller = await runSipp({
    scenario: 'uac-120-cancel-in-queue-expect-487.xml',
    remote: `127.0.0.1:${sipPort}`,
    localPort: trunkPort,
    vars: { cancel_ms: '500' },
    timeoutS: 30,
  });
  const seatResult = await seat.done;
  assert.ok(caller.ok, brief(caller));
  assert.ok(seatResult.ok, brief(seatResult));
  const terminated = messages(seatResult).split(/-{20,}/).find((m) => m.includes('SIP/2.0 487'));
  assert.match(terminated ?? '', /\nVia: SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;branch=z9hG4bK[^\r]*\r\nVia: SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;branch=z9hG4bK-\d+-1-inv/);
});

test('REGISTER, unregister and a wrong password against Kamailio digest auth', opts, async () => {
  const remote = `127.0.0.1:${sipPort}`;
  const auth = { username: 'seat01', password: PASSWORD };
  const reg = await runSipp({ scenario: 'uac-register-expect-200.xml', remote, auth, vars: { expires: '60' }, timeoutS: 15 });
  assert.ok(reg.ok, brief(reg));
  const unreg = await runSipp({ scenario: 'uac-unregister-expect-200.xml', remote, auth, timeoutS: 15 });
  assert.ok(unreg.ok, brief(unreg));
  const wrong = await runSipp({ scenario: 'uac-register-wrong-password-expect-403-or-401.xml', remote, auth: { username: 'seat01', password: 'nope' }, timeoutS: 15 });
  assert.ok(wrong.ok, brief(wrong));
});

test('INVITE from an address that is not the trunk gets 407', opts, async () => {
  const r = await runSipp({ scenario: 'uac-invite-expect-407.xml', remote: `127.0.0.1:${sipPort}`, service: 'seat02', timeoutS: 15 });
  assert.ok(r.ok, brief(r));
});
