/**
 * The dispatcher page's side of a pair's failover (docs/ha.md, "Browser seats"): the SIP liveness ping
 * (consoles/dispatcher/sip-ping.js) with a fake SIP.js core and mocked timers, and the failover banner
 * (consoles/dispatcher/failover.js) with a fake fetch of the console config.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { failoverText, FailoverWatch } from '../../../consoles/dispatcher/failover.js';
import { SipPing } from '../../../consoles/dispatcher/sip-ping.js';

interface Delegate { onAccept?(r: unknown): void; onReject?(r: unknown): void }

function fakeUa() {
  const sent: Array<{ method: string; delegate: Delegate }> = [];
  const ua = {
    configuration: { uri: 'sip:seat@example' },
    userAgentCore: {
      makeOutgoingRequestMessage: (method: string) => ({ method }),
      request: (msg: { method: string }, delegate: Delegate) => { sent.push({ method: msg.method, delegate }); },
    },
  };
  return { ua, sent };
}

const response = (statusCode: number, callId?: string) => ({ message: { statusCode, callId } });


function ping(ua: unknown) {
  const alive: number[] = [];
  const dead: number[] = [];
  const p = new SipPing({ ua, target: 'sip:example', intervalMs: 1000, timeoutMs: 2000, onAlive: (at) => alive.push(at), onDead: (ms) => dead.push(ms) });
  return { p, alive, dead };
}

describe('dispatcher failover: SIP liveness ping and banner (mocked timers)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] }));
  afterEach(() => mock.timers.reset());

  test('an answered OPTIONS keeps the server alive; one OPTIONS in flight at a time', () => {
    const { ua, sent } = fakeUa();
    const { p, alive, dead } = ping(ua);
    p.start();
    mock.timers.tick(1000);
    assert.deepEqual(sent.map((s) => s.method), ['OPTIONS']);
    mock.timers.tick(1000);
    assert.equal(sent.length, 1, 'no second OPTIONS while the first is unanswered');
    sent[0]!.delegate.onAccept!(response(200, 'c1'));
    assert.equal(alive.length, 1);
    for (let i = 2; i <= 5; i++) {
      mock.timers.tick(1000);
      assert.equal(sent.length, i, 'pings go on every second');
      sent[i - 1]!.delegate.onReject!(response(404, `c${i}`));
    }
    assert.deepEqual(dead, [], 'any real response, 404 too, proves the server alive');
    p.stop();
  });

  test('no response within the timeout: the server is dead, once, and the pings stop', () => {
    const { ua, sent } = fakeUa();
    const { p, dead } = ping(ua);
    p.start();
    mock.timers.tick(1000);
    mock.timers.tick(1999);
    assert.deepEqual(dead, []);
    mock.timers.tick(1);
    assert.deepEqual(dead, [2000]);
    mock.timers.tick(10_000);
    assert.equal(sent.length, 1, 'no more pings after the server was declared dead');
    assert.deepEqual(dead, [2000]);
    sent[0]!.delegate.onAccept!(response(200, 'late'));
    p.stop();
  });

  test("SIP.js's own 503 for a transport error (no Call-ID) does not count as an answer", () => {
    const { ua, sent } = fakeUa();
    const { p, alive, dead } = ping(ua);
    p.start();
    mock.timers.tick(1000);
    sent[0]!.delegate.onReject!(response(503));
    assert.deepEqual(alive, []);
    mock.timers.tick(2000);
    assert.deepEqual(dead, [2000]);
  });

  test('the failover banner: seconds with one decimal and the clock time in zh-CN', () => {
    const at = new Date(2026, 11, 7, 14, 3, 27).getTime();
    assert.equal(failoverText(2390, at), '主节点故障，已切换到备用节点（用时 2.4 秒，14:03:27 恢复接警）');
    assert.equal(failoverText(12_000, at), '主节点故障，已切换到备用节点（用时 12.0 秒，14:03:27 恢复接警）');
  });

  test('the watch: a banner only when another node answers after a loss; the page recovers either way', async () => {
    const g = globalThis as unknown as { fetch: unknown; document: unknown };
    const saved = { fetch: g.fetch, document: g.document };
    let node = 'a';
    g.fetch = async () => new Response(JSON.stringify({ node }), { status: 200 });
    g.document = { querySelector: () => null };
    try {
      const banners: Array<[string, string, string | null]> = [];
      const recovered: boolean[] = [];
      const w = new FailoverWatch({ banner: (topic, level, text) => banners.push([topic, level, text]), onRecovered: (m) => recovered.push(m) });
      w.setNode('a');
      await w.registered();
      assert.deepEqual(recovered, [], 'a registration without a loss is not a recovery');
      w.lost(Date.now() - 1500);
      await w.registered();
      assert.deepEqual(recovered, [false], 'same node: the network came back');
      assert.deepEqual(banners, []);
      node = 'b';
      w.lost(Date.now() - 2000);
      w.lost(Date.now() - 100);
      await w.registered();
      assert.deepEqual(recovered, [false, true]);
      assert.equal(banners.length, 1);
      assert.equal(banners[0]![0], 'failover');
      assert.match(banners[0]![2]!, /^主节点故障，已切换到备用节点（用时 2\.0 秒，/, 'counted from the first loss');
    } finally {
      g.fetch = saved.fetch;
      g.document = saved.document;
    }
  });
});
