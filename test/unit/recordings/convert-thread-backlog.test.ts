/**
 * Conversion on a worker thread (recordings/src/convert-thread.ts) gives what convertCall gives in this thread, a
 * malformed pcap the same coded error; a conversion the thread did not finish is left for the next poll (not failed);
 * the spool's backlog counts what waits; the backlog alarm's rule (control/src/recordings/backlog.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCall } from '../../../recordings/src/convert.ts';
import { ConvertThread, ConversionInterrupted } from '../../../recordings/src/convert-thread.ts';
import { RecordingSpool, type RecordingReady } from '../../../recordings/src/spool.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import { backlogAlarmed, backlogLimits } from '../../../control/src/recordings/backlog.ts';
import { writeSyntheticCall, type StreamSpec } from './support/synthetic-call.ts';

const streams: StreamSpec[] = [
  { side: 'caller', ssrc: 1, payloadType: 8, toneHz: 440, startMs: 0, packets: 50 },
  { side: 'seat', ssrc: 2, payloadType: 0, toneHz: 1000, startMs: 0, packets: 50 },
];

async function inTemp(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'convert-thread-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the worker thread converts as convertCall does, and a malformed pcap gives the same coded error', async () => {
  await inTemp(async (dir) => {
    const { metadataPath } = await writeSyntheticCall(join(dir, 'spool'), 't1@host', '00000000000000c1', streams);
    const thread = new ConvertThread();
    try {
      const there = await thread.convert(metadataPath, { outPath: join(dir, 'thread.wav') });
      const here = await convertCall(metadataPath, { outPath: join(dir, 'here.wav') });
      assert.ok(there.startedAt instanceof Date, 'the Date survives the thread boundary');
      assert.equal(there.sm3, here.sm3);
      assert.deepEqual({ ...there, outPath: '' }, { ...here, outPath: '' });

      const bad = await writeSyntheticCall(join(dir, 'spool'), 't2@host', '00000000000000c2', streams);
      await writeFile(bad.pcapPath, Buffer.from('not a pcap'));
      const err = await thread.convert(bad.metadataPath, { outPath: join(dir, 'bad.wav') }).then(() => undefined, (e: unknown) => e);
      assert.ok(isCtiError(err), `a CtiError, not ${String(err)}`);
      assert.equal(err.code, 'CTI_RECORDING_MALFORMED');
    } finally {
      await thread.close();
    }
  });
});

test('the real thread closed while converting rejects with ConversionInterrupted (retried by the spool), not a coded failure', async () => {
  await inTemp(async (dir) => {
    const { metadataPath } = await writeSyntheticCall(join(dir, 'spool'), 'c1@host', '00000000000000e1', streams);
    const thread = new ConvertThread();
    const pending = thread.convert(metadataPath, { outPath: join(dir, 'closed.wav') }).then(() => undefined, (e: unknown) => e);
    await thread.close();
    const err = await pending;
    // the thread may have finished before the close reached it: then there is nothing to retry
    if (err !== undefined) assert.ok(err instanceof ConversionInterrupted, `interrupted, not ${String(err)}`);
    // a closed thread starts again on the next request
    const again = await thread.convert(metadataPath, { outPath: join(dir, 'again.wav') });
    assert.equal(again.sm3.length, 64);
    await thread.close();
  });
});

test('a conversion the thread did not finish stays in the spool, counted in its backlog, and is converted next time', async () => {
  await inTemp(async (dir) => {
    const spoolDir = join(dir, 'spool');
    await writeSyntheticCall(spoolDir, 'i1@host', '00000000000000d1', streams);
    await writeSyntheticCall(spoolDir, 'i2@host', '00000000000000d2', streams);
    const got: RecordingReady[] = [];
    const failures: string[] = [];
    let interrupt = true;
    const s = new RecordingSpool({
      spoolDir, recordingsDir: join(dir, 'rec'), settleMs: 0, timeZone: 'Asia/Shanghai',
      onRecording: (r) => void got.push(r), onFailure: (id) => void failures.push(id),
      convert: (m, o) => (interrupt ? Promise.reject(new ConversionInterrupted('closed')) : convertCall(m, o)),
    });
    assert.equal(await s.poll(), 0);
    assert.deepEqual(failures, [], 'an interrupted conversion is not a failed recording');
    assert.equal(s.backlog().pending, 2);
    assert.ok(s.backlog().oldestMs >= 0);
    assert.deepEqual(await readdir(join(spoolDir, 'failed')), []);
    interrupt = false;
    assert.equal(await s.poll(), 2);
    assert.equal(got.length, 2);
    assert.deepEqual(s.backlog(), { pending: 0, oldestMs: 0 });
  });
});

test('the backlog alarm: raised at the count or the age, cleared only under half of both', () => {
  const limits = backlogLimits({ CTI_RECORDING_BACKLOG_COUNT: '10', CTI_RECORDING_BACKLOG_AGE_S: '60' });
  assert.deepEqual(limits, { count: 10, ageS: 60, checkMs: 5000 });
  assert.equal(backlogAlarmed({ pending: 9, oldestMs: 59_000 }, limits, false), false);
  assert.equal(backlogAlarmed({ pending: 10, oldestMs: 0 }, limits, false), true);
  assert.equal(backlogAlarmed({ pending: 1, oldestMs: 60_000 }, limits, false), true);
  assert.equal(backlogAlarmed({ pending: 6, oldestMs: 0 }, limits, true), true, 'still up above half the count');
  assert.equal(backlogAlarmed({ pending: 4, oldestMs: 31_000 }, limits, true), true, 'still up above half the age');
  assert.equal(backlogAlarmed({ pending: 4, oldestMs: 29_000 }, limits, true), false);
  assert.deepEqual(backlogLimits({ CTI_RECORDING_BACKLOG_COUNT: 'x', CTI_RECORDING_BACKLOG_AGE_S: '-1' }), { count: 200, ageS: 300, checkMs: 5000 });
});
