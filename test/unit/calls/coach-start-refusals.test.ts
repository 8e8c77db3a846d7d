/**
 * A supervisor's whisper/barge-in start (control/src/calls/coach/start.ts) checks everything before rtpengine is
 * asked: another centre's call is not found, a call in a blind transfer is CTI_TRANSFER_IN_PROGRESS, one not
 * connected CTI_CALL_NOT_TALKING, one in a three-way CTI_CALL_IN_THREE_WAY, one already coached
 * CTI_CALL_ALREADY_COACHED; each refusal sends nothing and writes nothing. Fakes: the SQL rows of the call, a map
 * for Redis, a recording NG client.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppDeps } from '../../../control/src/app/deps.ts';
import type { AuthUser } from '../../../control/src/auth/user.ts';
import { startCoach } from '../../../control/src/calls/coach/start.ts';
import type { CoachEngine } from '../../../control/src/calls/coach/media.ts';
import { isCtiError, type ErrorCode } from '../../../control/src/errors/catalogue.ts';

const CALL = '00000000-0000-4000-8000-0000000000c1';
const SUPERVISOR: AuthUser = { id: 'u-sup', username: 'sup', display_name: '班长', roles: ['supervisor'], centre_id: 'city' };

function world(call: { centre_id: string; state: string }, redisValues: Record<string, string> = {}) {
  const writes: string[] = [];
  const sent: string[] = [];
  const sql = ((strings: TemplateStringsArray) => {
    const text = strings.join('?');
    if (/^\s*SELECT id::text AS id, centre_id/.test(text)) return Promise.resolve([{ id: CALL, centre_id: call.centre_id, answered_seat_id: 'seat-1' }]);
    if (/FROM calls c LEFT JOIN call_legs/.test(text)) {
      return Promise.resolve([{ id: CALL, sip_call_id: 'sip-c1', state: call.state, answered_seat_id: 'seat-1', from_tag: 'caller-tag' }]);
    }
    writes.push(text);
    return Promise.resolve([]);
  }) as unknown as AppDeps['sql'];
  const values = new Map(Object.entries(redisValues));
  const redis = {
    get: async (k: string) => values.get(k) ?? null,
    set: async (k: string, v: string, ...args: unknown[]) => {
      if (args.includes('NX') && values.has(k)) return null;
      writes.push(`redis set ${k}`);
      values.set(k, v);
      return 'OK';
    },
    del: async (k: string) => { writes.push(`redis del ${k}`); return values.delete(k) ? 1 : 0; },
  } as unknown as AppDeps['redis'];
  const ng: CoachEngine = {
    offer: async () => { sent.push('offer'); return { sdp: 'v=0' }; },
    answer: async () => { sent.push('answer'); return { sdp: 'v=0' }; },
    delete: async () => { sent.push('delete'); return {}; },
  };
  const deps = { sql, redis, log: { info() {}, warn() {}, error() {} } } as unknown as AppDeps;
  return { deps, ng, writes, sent };
}

async function refused(w: ReturnType<typeof world>, code: ErrorCode): Promise<void> {
  await assert.rejects(startCoach(w.deps, w.ng, CALL, 'whisper', 'v=0\r\n', { actor: SUPERVISOR, ip: null }), (err) => isCtiError(err, code));
  assert.deepEqual(w.sent, [], 'nothing sent to rtpengine');
  assert.deepEqual(w.writes, [], 'nothing written');
}

test('coach start: another centre\'s call is not found', async () => {
  await refused(world({ centre_id: 'county', state: 'talking' }), 'CTI_CALL_NOT_FOUND');
});

test('coach start: a call in a blind transfer is CTI_TRANSFER_IN_PROGRESS, one not connected CTI_CALL_NOT_TALKING', async () => {
  await refused(world({ centre_id: 'city', state: 'transferring' }), 'CTI_TRANSFER_IN_PROGRESS');
  await refused(world({ centre_id: 'city', state: 'queued' }), 'CTI_CALL_NOT_TALKING');
});

test('coach start: a call in a three-way is CTI_CALL_IN_THREE_WAY', async () => {
  await refused(world({ centre_id: 'city', state: 'talking' }, { 'cti:conf:anchor:sip-c1': JSON.stringify({ state: 'anchored', room_id: 'r1' }) }), 'CTI_CALL_IN_THREE_WAY');
});

test('coach start: a call another session holds is CTI_CALL_ALREADY_COACHED', async () => {
  await refused(world({ centre_id: 'city', state: 'talking' }, { [`cti:coach:call:${CALL}`]: 'other-session' }), 'CTI_CALL_ALREADY_COACHED');
});
