/** Calls that arrived while no control plane ran, as Kamailio keeps them in htable awn (calls/flow/away-arrival.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAwayArrivals } from '../../../control/src/calls/flow/away-arrival.ts';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
/** The awn value as the cfg builds it (route QUEUE): call.new without sdp, dst, takeover and invite. */
const kept = (callId: string, extra = ''): string => `{"event":"call.new","callid":"${b64(callId)}","ftag":"${b64('ft1')}","from_user":"${b64('13500000011')}",`
  + `"from_name":"${b64('"while away"')}","from_uri":"${b64('sip:13500000011@gw.example')}","to_user":"${b64('120')}","ruri_user":"${b64('120')}",`
  + `"pai":"","trunk":"${b64('trunk-1')}","src":"127.0.0.1:5070","proto":"udp","arrived_s":1796684400,"arrived_us":250000,"is_trunk":true${extra}}`;

test('a kept arrival reads as the call.new it was, at the time Kamailio took it', () => {
  const m = parseAwayArrivals([{ name: 'a-1@gw.example', value: kept('a-1@gw.example') }]);
  const e = m.get('a-1@gw.example');
  assert.ok(e);
  assert.equal(e.fromUser, '13500000011');
  assert.equal(e.fromName, 'while away');
  assert.equal(e.ruriUser, '120');
  assert.equal(e.trunk, 'trunk-1');
  assert.equal(e.fromTag, 'ft1');
  assert.equal(e.source, '127.0.0.1:5070');
  assert.equal(e.arrivedAt.toISOString(), new Date(1796684400250).toISOString());
  assert.equal(e.sdp, '');
});

test('an entry that is not a call.new of its own key, or has no arrival time, is left out, never a wrong record', () => {
  const m = parseAwayArrivals([
    { name: 'b@gw', value: 'not json' },
    { name: 'c@gw', value: kept('other@gw') },
    { name: 'd@gw', value: kept('d@gw').replace('"arrived_s":1796684400', '"arrived_s":0').replace('"arrived_us":250000', '"arrived_us":0') },
    { name: 'e@gw', value: '{"event":"call.bye","callid":"ZUBndw==","by":"caller"}' },
    { name: 'f@gw ', value: kept('f@gw') }, // the key trimmed like every Call-ID the cfg reports
  ]);
  assert.deepEqual([...m.keys()], ['f@gw']);
});
