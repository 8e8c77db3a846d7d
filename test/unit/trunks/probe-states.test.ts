/**
 * Trunk group probing as the control plane reads it (control/src/trunks/health.ts): the address Kamailio reports
 * (a probe's destination, or a callback's R-URI after a failover) is reduced to the dispatcher destination form,
 * and `dispatcher.list` flags map to in / out of service; Kamailio's trunk.* evapi events decode (base64 URI).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEngineEvent } from '../../../control/src/engine/kamailio/events.ts';
import { gatewayAddress, probeStates } from '../../../control/src/trunks/health.ts';

test('gatewayAddress: user part, parameters and headers go; host and port stay', () => {
  assert.equal(gatewayAddress('sip:10.0.0.5:5060'), 'sip:10.0.0.5:5060');
  assert.equal(gatewayAddress('sip:13600000131@10.0.0.5:5060'), 'sip:10.0.0.5:5060');
  assert.equal(gatewayAddress('sip:13600000131@10.0.0.5;transport=udp'), 'sip:10.0.0.5');
  assert.equal(gatewayAddress(' sips:gw.example.cn:5061?x=1 '), 'sip:gw.example.cn:5061');
  assert.equal(gatewayAddress('not a uri'), 'not a uri');
});

test('probeStates: A and T are in service, I and D out; malformed entries are skipped', () => {
  const result = {
    RECORDS: [
      { SET: { ID: 1, TARGETS: [
        { DEST: { URI: 'sip:10.0.0.5:5060', FLAGS: 'AP' } },
        { DEST: { URI: 'sip:10.0.0.6:5060', FLAGS: 'IP' } },
        { DEST: { URI: 'sip:10.0.0.7', FLAGS: 'TP' } },
        { DEST: { URI: 'sip:10.0.0.8', FLAGS: 'DX' } },
        { DEST: { URI: 42, FLAGS: 'AP' } },
        { nothing: true },
      ] } },
      { SET: { ID: 2 } },
    ],
  };
  assert.deepEqual(probeStates(result), [
    { uri: 'sip:10.0.0.5:5060', up: true },
    { uri: 'sip:10.0.0.6:5060', up: false },
    { uri: 'sip:10.0.0.7', up: true },
    { uri: 'sip:10.0.0.8', up: false },
  ]);
  assert.deepEqual(probeStates(undefined), []);
  assert.deepEqual(probeStates({ RECORDS: 'x' }), []);
});

test('trunk.down / trunk.up evapi events decode their base64 address', () => {
  const uri = Buffer.from('sip:10.0.0.5:5060').toString('base64');
  assert.deepEqual(decodeEngineEvent({ event: 'trunk.down', uri }), { event: 'trunk.down', uri: 'sip:10.0.0.5:5060' });
  assert.deepEqual(decodeEngineEvent({ event: 'trunk.up', uri }), { event: 'trunk.up', uri: 'sip:10.0.0.5:5060' });
  assert.deepEqual(decodeEngineEvent({ event: 'trunk.up' }), { event: 'trunk.up', uri: '' });
});
