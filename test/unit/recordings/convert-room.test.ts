/**
 * The channel choice of a call anchored into a conference room (docs/recordings.md "Channel layout"), on a real
 * capture: rtpengine 10.5's pcap and metadata of the three-way test (test/integration/calls/three-way-...), cut at
 * 4.6 s. A raw-UDP caller sends 440 Hz, the seat 1000 Hz; at about 2.1 s the seat and then the caller are anchored
 * into a Janus room with 110 (1650 Hz): rtpengine now records five streams (the caller, the seat before and after its
 * re-INVITE, Janus's mix for the seat, Janus's mix for the caller), the anchoring's offers labelled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCall } from '../../../recordings/src/convert.ts';
import { parseMetadata } from '../../../recordings/src/metadata.ts';
import { roomMixPorts } from '../../../recordings/src/room-ports.ts';
import { toneLevels } from '../../support/goertzel.ts';
import { readStereoWav } from './support/audio.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'three-way');
const NAME = 'tw-f1cce1c8020b%40gw.example-49602c48a0adb55b';
const META = join(FIXTURE, 'metadata', `rtpengine-meta-${NAME}.txt`);
const [CALLER, SEAT, P110] = [440, 1000, 1650];

/** Converts the capture, its metadata first passed through `edit`. */
async function convert(edit = (text: string) => text) {
  const dir = await mkdtemp(join(tmpdir(), 'convert-room-'));
  try {
    await mkdir(join(dir, 'metadata'));
    await mkdir(join(dir, 'pcaps'));
    await copyFile(join(FIXTURE, 'pcaps', `${NAME}.pcap`), join(dir, 'pcaps', `${NAME}.pcap`));
    const metadataPath = join(dir, 'metadata', `rtpengine-meta-${NAME}.txt`);
    await writeFile(metadataPath, edit(await readFile(META, 'utf8')));
    const result = await convertCall(metadataPath, { outPath: join(dir, 'out.wav') });
    return { result, wav: await readStereoWav(join(dir, 'out.wav')) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const levels = (x: Int16Array, fromS: number, toS: number) => toneLevels(x.subarray(fromS * 8000, toS * 8000), [CALLER, SEAT, P110]);

test('the metadata names the room\'s ports by the anchoring\'s labels: the mix for the seat, then the mix for the caller', async () => {
  const meta = parseMetadata(await readFile(META, 'utf8'));
  assert.deepEqual(meta.exchanges.map((e) => [e.mode, e.label ?? null, e.media[0]!.port]), [
    ['offer', null, 20600], ['answer', null, 20618],
    ['offer', 'cti-room-mix:seat', 20628], ['answer', null, 20640],
    ['offer', 'cti-room-mix:caller', 20660], ['answer', null, 20618],
  ]);
  assert.deepEqual([...roomMixPorts(meta)], [[20628, 'seat'], [20660, 'caller']]);
});

test('a labelled offer naming a port an earlier exchange named is not taken for a room port (the seat re-INVITEs through Kamailio)', () => {
  const meta = parseMetadata(readFileSync(META, 'utf8').replace('m=audio 20660 ', 'm=audio 20618 '));
  assert.deepEqual([...roomMixPorts(meta)], [[20628, 'seat']]);
});

test('three-way capture: left the caller throughout; right the seat, then the room\'s mix for the caller (seat and 110, not the caller)', async () => {
  const { result, wav } = await convert();
  assert.ok(result.room, 'a room segment');
  const { fromMs, toMs, callerMixPackets, seatMixPackets } = result.room;
  assert.ok(fromMs > 2000 && fromMs < 2300, `the caller's mix from ${fromMs} ms`);
  assert.ok(toMs > 4400, `to ${toMs} ms`);
  assert.ok(callerMixPackets > 100 && seatMixPackets > 100, JSON.stringify(result.room));
  const before = levels(wav.right, 0.2, 1.9);
  const during = levels(wav.right, 2.6, 4.4);
  assert.ok(before[SEAT]! > -10 && before[CALLER]! < -60 && before[P110]! < -60, `before the room, the seat only: ${JSON.stringify(before)}`);
  assert.ok(during[SEAT]! > -10 && during[P110]! > -10 && during[CALLER]! < -60, `in the room, seat and 110, never the caller: ${JSON.stringify(during)}`);
  for (const [from, to] of [[0.2, 1.9], [2.6, 4.4]]) {
    const left = levels(wav.left, from!, to!);
    assert.ok(left[CALLER]! > -10 && left[SEAT]! < -40 && left[P110]! < -60, `left, the caller only: ${JSON.stringify(left)}`);
  }
  assert.deepEqual(result.channels[1].silentGapsMs, [], 'the seat channel has no gap across the move');
});

test('without the labels (a recording from before them): the seat channel interleaves the caller\'s voice, the regression the labels end', async () => {
  const { result, wav } = await convert((text) => text.replace(/^Label: .*\n/gm, ''));
  assert.equal(result.room, undefined);
  const during = levels(wav.right, 2.6, 4.4);
  assert.ok(during[CALLER]! > -30, `the caller's tone on the seat channel: ${JSON.stringify(during)}`);
});

test('a hold span (wall clock) leaves the seat channel silent there and is listed on the recording\'s axis; the caller channel untouched', async () => {
  const { result, wav } = await convert();
  const origin = result.startedAt.getTime();
  const dir = await mkdtemp(join(tmpdir(), 'convert-room-held-'));
  try {
    await mkdir(join(dir, 'metadata'));
    await mkdir(join(dir, 'pcaps'));
    await copyFile(join(FIXTURE, 'pcaps', `${NAME}.pcap`), join(dir, 'pcaps', `${NAME}.pcap`));
    await copyFile(META, join(dir, 'metadata', `rtpengine-meta-${NAME}.txt`));
    const held = await convertCall(join(dir, 'metadata', `rtpengine-meta-${NAME}.txt`), { outPath: join(dir, 'held.wav'), callerHeld: [[origin + 1000, origin + 3000], [origin + 4000, null]] });
    const heldWav = await readStereoWav(join(dir, 'held.wav'));
    assert.deepEqual(held.callerHeld, [[1000, 3000], [4000, Math.round(held.durationMs)]]);
    for (const [a, b] of [[1.0, 3.0], [4.0, held.durationMs / 1000]]) {
      assert.ok(heldWav.right.subarray(Math.ceil(a! * 8000) + 160, Math.floor(b! * 8000) - 160).every((v) => v === 0), `silent while held ${a}-${b} s`);
    }
    assert.deepEqual([...heldWav.right.subarray(0, 7000)], [...wav.right.subarray(0, 7000)], 'before the hold as without it');
    assert.deepEqual([...heldWav.left], [...wav.left], 'the caller channel is what the caller said, held or not');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
