/**
 * ul.lookup refusals (control/src/seats/state/registrations.ts lookupMeansUnregistered): usrloc's two
 * "nothing registered" answers, as Kamailio 5.6 sends them, mean not registered; other refusals stay errors.
 * CI run C: "AOR has no contacts" was taken for an error and, from an offer to an unreachable seat, ended the
 * control plane's process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CtiError } from '../../../control/src/errors/catalogue.ts';
import { lookupMeansUnregistered } from '../../../control/src/seats/state/registrations.ts';

const refusal = (code: number, message: string) => new CtiError('CTI_KAMAILIO_RPC_ERROR', { method: 'ul.lookup', code, message });

test('registration lookup: "AOR not found" and "AOR has no contacts" mean not registered', () => {
  assert.equal(lookupMeansUnregistered(refusal(404, 'AOR not found')), true);
  assert.equal(lookupMeansUnregistered(refusal(500, 'AOR has no contacts')), true);
});

test('registration lookup: any other refusal or failure stays an error', () => {
  assert.equal(lookupMeansUnregistered(refusal(500, 'Internal error creating aor struct')), false);
  assert.equal(lookupMeansUnregistered(new CtiError('CTI_ENGINE_UNAVAILABLE', { engine: 'kamailio' })), false);
  assert.equal(lookupMeansUnregistered(new Error('AOR not found')), false);
});
