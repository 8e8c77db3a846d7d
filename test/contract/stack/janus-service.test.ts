/**
 * The Janus service (scripts/stack/services/janus.ts) against the real Debian janus: configs rendered from
 * media/janus/, only the AudioBridge and the WebSocket API loaded, the API on loopback and behind the generated
 * API secret, the plain-RTP range the one reserved for it, a clean stop (process gone, port free), and its
 * start time measured (it starts beside PostgreSQL, Redis and rtpengine, so it adds little to a stack's start).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import WebSocket from 'ws';
import { createJanus, janusInfo } from '../../../scripts/stack/services/janus.ts';
import { REPO_ROOT } from '../../../scripts/stack/migrate.ts';
import { allocatePorts, canBindTcp, releasePorts } from '../../../scripts/stack/ports.ts';
import { processAlive } from '../../../scripts/stack/daemon.ts';
import type { ServiceContext } from '../../../scripts/stack/services/context.ts';

/** One request on a fresh WebSocket (subprotocol janus-protocol), its first answer. */
function janusRequest(url: string, req: object): Promise<{ janus: string; error?: { code: number } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'janus-protocol');
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ transaction: 't1', ...req })));
    ws.once('message', (raw) => {
      ws.terminate();
      resolve(JSON.parse(String(raw)) as { janus: string; error?: { code: number } });
    });
  });
}

test('janus service: starts with only the AudioBridge on loopback behind its API secret, in its own RTP range, stops cleanly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cti-janus-'));
  mkdirSync(join(dir, 'logs'));
  const alloc = await allocatePorts(dir, [{ key: 'ws', proto: 'tcp' }], 20);
  const ctx: ServiceContext = {
    name: 'janus-test', root: REPO_ROOT, stateDir: dir, host: '127.0.0.1', durable: false,
    ports: { sip: 0, http: 0, evapi: 0, ng: 0, api: 0, redis: 0, postgres: 0, mediaMin: 0, mediaMax: 0 },
  };
  const janus = createJanus(ctx, { ws: alloc.ports.ws!, rtpMin: alloc.media[0], rtpMax: alloc.media[1] });
  try {
    const started = performance.now();
    await janus.start();
    t.diagnostic(`janus answered info ${Math.round(performance.now() - started)} ms after spawn`);

    const info = await janusInfo(janus.wsUrl, janus.secrets.apiSecret);
    assert.match(info.version, /^1\.1\./);
    assert.deepEqual(info.plugins, ['janus.plugin.audiobridge'], 'only the AudioBridge is loaded');
    assert.match(janus.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+\/$/);

    // a session needs the generated secret (janus.jcfg api_secret); a wrong one is refused (403, unauthorized)
    assert.equal((await janusRequest(janus.wsUrl, { janus: 'create', apisecret: 'wrong' })).error?.code, 403);
    assert.equal((await janusRequest(janus.wsUrl, { janus: 'create', apisecret: janus.secrets.apiSecret })).janus, 'success');

    const conf = readFileSync(join(dir, 'janus', 'janus.plugin.audiobridge.jcfg'), 'utf8');
    assert.match(conf, new RegExp(`rtp_port_range = "${alloc.media[0]}-${alloc.media[1]}"`));
    assert.deepEqual(janus.rtpPorts, alloc.media);

    const pid = janus.daemon.pid!;
    const stopping = performance.now();
    await janus.stop();
    t.diagnostic(`janus stopped ${Math.round(performance.now() - stopping)} ms after SIGTERM`);
    assert.equal(processAlive(pid), false, 'the process is gone');
    assert.equal(await canBindTcp(alloc.ports.ws!), true, 'its WebSocket port is free again');
  } finally {
    await janus.stop().catch(() => undefined);
    await releasePorts(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});
