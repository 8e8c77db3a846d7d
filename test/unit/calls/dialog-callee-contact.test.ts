/** The sync finds a ring-all answer's seat by the Contact in Kamailio's dlg.list, nested as callee.contact (calls/flow/dialog-contact.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calleeContact } from '../../../control/src/calls/flow/dialog-contact.ts';

test('the callee Contact is read where Kamailio 5.6 dlg.list puts it', () => {
  const dialog = {
    h_entry: 1, h_id: 2, 'call-id': '5-30002@127.0.0.1', state: 4,
    caller: { tag: 'ft', contact: 'sip:caller@127.0.0.1:5060', cseq: '1', route_set: '', socket: 'udp:127.0.0.1:5060' },
    callee: { tag: 'tt', contact: 'sip:seat-01@127.0.0.1:5071;transport=udp ', cseq: '0', route_set: '', socket: 'udp:127.0.0.1:5060' },
  };
  assert.equal(calleeContact(dialog), 'sip:seat-01@127.0.0.1:5071;transport=udp');
});

test('a dialog with no callee (early, or another shape) gives no Contact, never a wrong one', () => {
  assert.equal(calleeContact({ state: 2, callee_contact: 'sip:x@1.2.3.4:5' }), '');
  assert.equal(calleeContact({ state: 2, callee: { tag: '', contact: '' } }), '');
  assert.equal(calleeContact({ state: 2, callee: null }), '');
});
