/**
 * CallMedia.dropPlaceholder: after a call's BYE, the early-media placeholder branch is deleted at
 * once (a pair's node that took the call over may still hold it, docs/ha.md "Recordings of calls taken over");
 * rtpengine's "not found" (the normal case) changes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallMedia } from '../../../control/src/announcements/call-media.ts';
import type { AppDeps } from '../../../control/src/app/deps.ts';
import type { CallControl } from '../../../control/src/engine/kamailio/call-control.ts';
import type { NgParams, NgReply } from '../../../control/src/engine/rtpengine/ng-client.ts';

function media(reply: (command: string) => Promise<NgReply>) {
  const sent: Array<[string, NgParams | undefined]> = [];
  const ng = { request: (command: string, params?: NgParams) => { sent.push([command, params]); return reply(command); } };
  const logged: string[] = [];
  const deps = { config: { mediaDir: '/nonexistent' }, log: { debug: (_o: object, m?: string) => void logged.push(m ?? ''), info() {}, warn() {}, error() {} } } as unknown as AppDeps;
  return { cm: new CallMedia(deps, {} as CallControl, ng), sent, logged };
}

test('after the BYE the placeholder branch is deleted with no delay', async () => {
  const { cm, sent } = media(async () => ({ result: 'ok' }));
  await cm.dropPlaceholder({ sipCallId: 'c1@x', fromTag: 'ft1' });
  assert.deepEqual(sent, [['delete', { 'call-id': 'c1@x', 'from-tag': 'ft1', 'to-tag': 'q-ft1', 'delete delay': 0 }]]);
});

test('rtpengine no longer holding it (the normal case) is not an error', async () => {
  const { cm, logged } = media(async () => { throw new Error('Tag not found'); });
  await cm.dropPlaceholder({ sipCallId: 'c2@x', fromTag: 'ft2' });
  assert.equal(logged.length, 1);
});

test('without a from-tag nothing is sent', async () => {
  const { cm, sent } = media(async () => ({ result: 'ok' }));
  await cm.dropPlaceholder({ sipCallId: 'c4@x', fromTag: '' });
  assert.deepEqual(sent, []);
});
