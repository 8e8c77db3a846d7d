import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingSpool, dateFolder, sanitizeCallId, type RecordingReady } from '../../../recordings/src/spool.ts';
import type { CtiError } from '../../../control/src/errors/catalogue.ts';
import { writeSyntheticCall, type StreamSpec } from './support/synthetic-call.ts';

const streams: StreamSpec[] = [
  { side: 'caller', ssrc: 1, payloadType: 8, toneHz: 440, startMs: 0, packets: 20 },
  { side: 'seat', ssrc: 2, payloadType: 0, toneHz: 1000, startMs: 0, packets: 20 },
];

async function withSpool(fn: (dirs: { spool: string; recordings: string }) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'spool-test-'));
  try {
    await fn({ spool: join(dir, 'spool'), recordings: join(dir, 'recordings') });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function spoolWith(spool: string, recordings: string, onRecording: (r: RecordingReady) => void | Promise<void> = () => {}, onFailure: (id: string, e: CtiError) => void = () => {}) {
  return new RecordingSpool({ spoolDir: spool, recordingsDir: recordings, onRecording, onFailure, timeZone: 'Asia/Shanghai', settleMs: 0 });
}

test('names: sanitized call id, date folders in the centre time zone', () => {
  assert.equal(sanitizeCallId('a/b c;d%e@x.y~_1'), 'a_b_c_d_e_x.y__1');
  assert.equal(sanitizeCallId('../etc'), '__etc');
  assert.equal(dateFolder(new Date('2026-11-25T17:30:00Z'), 'Asia/Shanghai'), '2026/11/26');
  assert.equal(dateFolder(new Date('2026-11-25T17:30:00Z'), 'UTC'), '2026/11/25');
});

test('converts each finished recording once and moves it to done/', async () => {
  await withSpool(async ({ spool, recordings }) => {
    await writeSyntheticCall(spool, 'c1@host', '00000000000000a1', streams);
    await writeSyntheticCall(spool, 'c2@host', '00000000000000a2', streams);
    const got: RecordingReady[] = [];
    const s = spoolWith(spool, recordings, (r) => void got.push(r));
    assert.equal(await s.poll(), 2);
    assert.equal(await s.poll(), 0);
    assert.deepEqual(got.map((r) => r.sipCallId).sort(), ['c1@host', 'c2@host']);
    assert.match(got[0].outPath, /recordings\/2026\/11\/25\/c[12]_host\.wav$/);
    assert.deepEqual(await readdir(join(spool, 'metadata')), []);
    assert.deepEqual(await readdir(join(spool, 'pcaps')), []);
    assert.equal((await readdir(join(spool, 'done'))).length, 4);
    assert.deepEqual(await readdir(join(spool, 'converted')), []);
  });
});

test('a throwing onRecording is retried on the next poll without converting again', async () => {
  await withSpool(async ({ spool, recordings }) => {
    await writeSyntheticCall(spool, 'c3@host', '00000000000000a3', streams);
    let calls = 0;
    const results: RecordingReady[] = [];
    const s = spoolWith(spool, recordings, (r) => {
      calls++;
      if (calls === 1) throw new Error('database down');
      results.push(r);
    });
    assert.equal(await s.poll(), 0);
    assert.equal((await readdir(join(spool, 'converted'))).length, 1);
    // A restarted process sees the marker and delivers the same result.
    assert.equal(await spoolWith(spool, recordings, (r) => void results.push(r)).poll(), 1);
    assert.equal(results.length, 1);
    assert.ok(results[0].startedAt instanceof Date);
    assert.equal(results[0].sm3.length, 64);
    assert.deepEqual(await readdir(join(recordings, '2026/11/25')), ['c3_host.wav']);
  });
});

test('a recording that cannot be converted goes to failed/ with its pcap, and onFailure is told', async () => {
  await withSpool(async ({ spool, recordings }) => {
    const { pcapPath } = await writeSyntheticCall(spool, 'bad@host', '00000000000000b1', streams);
    await writeFile(pcapPath, Buffer.from('not a pcap at all, sorry'));
    const failures: Array<[string, string]> = [];
    const s = spoolWith(spool, recordings, () => assert.fail('no recording expected'), (id, e) => void failures.push([id, e.code]));
    assert.equal(await s.poll(), 1);
    assert.deepEqual(failures, [['bad@host', 'CTI_RECORDING_MALFORMED']]);
    const failed = (await readdir(join(spool, 'failed'))).sort();
    assert.equal(failed.length, 3);
    assert.ok(failed.some((f) => f.endsWith('.pcap')));
    const record = JSON.parse(await readFile(join(spool, 'failed', failed.find((f) => f.endsWith('.error.json'))!), 'utf8'));
    assert.equal(record.notified, true);
    assert.equal(await s.poll(), 0);
  });
});

test('a failed onFailure is re-sent on the next poll', async () => {
  await withSpool(async ({ spool, recordings }) => {
    await writeSyntheticCall(spool, 'empty@host', '00000000000000c1', [{ ...streams[0], payloadType: 13, packets: 2 }]);
    let attempts = 0;
    const s = spoolWith(spool, recordings, () => {}, (_id, e) => {
      attempts++;
      assert.equal(e.code, 'CTI_RECORDING_NO_MEDIA');
      if (attempts === 1) throw new Error('redis down');
    });
    await s.poll();
    assert.equal(attempts, 1);
    await s.poll();
    assert.equal(attempts, 2);
    await s.poll();
    assert.equal(attempts, 2);
  });
});

test('a metadata file without its closing lines waits for the grace period', async () => {
  await withSpool(async ({ spool, recordings }) => {
    const { metadataPath } = await writeSyntheticCall(spool, 'open@host', '00000000000000d1', streams);
    const text = await readFile(metadataPath, 'utf8');
    await writeFile(metadataPath, text.slice(0, text.indexOf('Timestamp terminated')));
    const s = spoolWith(spool, recordings);
    assert.equal(await s.poll(), 0);
    const late = new RecordingSpool({ spoolDir: spool, recordingsDir: recordings, onRecording: () => {}, onFailure: () => {}, incompleteGraceMs: 0, settleMs: 0 });
    assert.equal(await late.poll(), 1);
  });
});

test('the same call id recorded twice gets a second file name; start/stop poll on a timer', async () => {
  await withSpool(async ({ spool, recordings }) => {
    await writeSyntheticCall(spool, 'dup@host', '00000000000000e1', streams);
    await writeSyntheticCall(spool, 'dup@host', '00000000000000e2', streams);
    const paths: string[] = [];
    const s = spoolWith(spool, recordings, (r) => void paths.push(r.outPath));
    s.start(20);
    for (let i = 0; i < 100 && paths.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await s.stop();
    assert.deepEqual(paths.map((p) => p.split('/').at(-1)).sort(), ['dup_host-00000000000000e2.wav', 'dup_host.wav']);
  });
});

// A pair's rtpengine finishes and restarts the recording of a foreign call (held from the peer's Redis) on every
// update by the peer, under the same name: metadata/ then holds a complete-looking file whose pcap is empty until
// the call really ends (recordings/src/reopened.ts). Seen on a pair: CTI_RECORDING_MALFORMED for every taken-over call.
test('a recording reopened by rtpengine (a foreign call restored) is left alone until it really ends', async () => {
  await withSpool(async ({ spool, recordings }) => {
    const { pcapPath } = await writeSyntheticCall(spool, 'foreign@host', '00000000000000f1', streams);
    const full = await readFile(pcapPath);
    await writeFile(pcapPath, Buffer.alloc(0)); // truncated by the restore, its header still buffered
    const open = join(spool, 'tmp', 'rtpengine-meta-foreign%40host-00000000000000f1.tmp');
    await mkdir(join(spool, 'tmp'));
    await writeFile(open, `${pcapPath}\n\n`);
    const got: RecordingReady[] = [];
    const failures: string[] = [];
    const s = spoolWith(spool, recordings, (r) => void got.push(r), (_id, e) => void failures.push(e.code));
    assert.equal(await s.poll(), 0);
    assert.deepEqual([got, failures], [[], []], 'neither converted nor failed while open');
    assert.deepEqual(await readdir(join(spool, 'pcaps')), ['foreign%40host-00000000000000f1.pcap'], 'the pcap rtpengine writes stays in place');
    // the call ends on this node: rtpengine closes the pcap and renames the metadata over the earlier one
    await writeFile(pcapPath, full);
    await rm(open);
    assert.equal(await s.poll(), 1);
    assert.deepEqual(failures, []);
    assert.equal(got.length, 1);
    assert.equal(got[0].durationMs > 0, true);
  });
});

test('a finished metadata file is taken only once it has settled (the destroy-then-restore window)', async () => {
  await withSpool(async ({ spool, recordings }) => {
    const { metadataPath } = await writeSyntheticCall(spool, 'settle@host', '0000000000000101', streams);
    const s = new RecordingSpool({ spoolDir: spool, recordingsDir: recordings, onRecording: () => {}, onFailure: () => {}, settleMs: 60_000 });
    assert.equal(await s.poll(), 0, 'just renamed: rtpengine may be about to reopen it');
    const past = new Date(Date.now() - 61_000);
    await utimes(metadataPath, past, past);
    assert.equal(await s.poll(), 1);
  });
});

test('the copy of a call the peer ended, never taken over here, is put in done/ without a recording or a failure', async () => {
  await withSpool(async ({ spool, recordings }) => {
    const { metadataPath, pcapPath } = await writeSyntheticCall(spool, 'peer@host', '0000000000000201', streams, { metadata: false });
    await writeFile(pcapPath, (await readFile(pcapPath)).subarray(0, 24)); // the header alone
    const text = await readFile(metadataPath, 'utf8');
    await writeFile(metadataPath, text.replace(/Timestamp terminated ms\(first monologue\): [0-9.]+/, 'Timestamp terminated ms(first monologue): 0.000'));
    const failures: string[] = [];
    const s = spoolWith(spool, recordings, () => assert.fail('no recording expected'), (_id, e) => void failures.push(e.code));
    assert.equal(await s.poll(), 1);
    assert.deepEqual(failures, []);
    assert.equal((await readdir(join(spool, 'done'))).length, 2);
  });
});

test('an empty recording of a call this node signalled is still a failure', async () => {
  await withSpool(async ({ spool, recordings }) => {
    const { pcapPath } = await writeSyntheticCall(spool, 'mine@host', '0000000000000202', streams);
    await writeFile(pcapPath, (await readFile(pcapPath)).subarray(0, 24));
    const failures: string[] = [];
    const s = spoolWith(spool, recordings, () => assert.fail('no recording expected'), (_id, e) => void failures.push(e.code));
    assert.equal(await s.poll(), 1);
    assert.deepEqual(failures, ['CTI_RECORDING_NO_MEDIA']);
  });
});
