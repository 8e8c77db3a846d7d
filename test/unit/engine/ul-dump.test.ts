import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUlDump } from '../../../control/src/engine/kamailio/ul-dump.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';

const contact = (over: Record<string, unknown>) => ({
  Contact: {
    Address: 'sip:1001@127.0.0.1:33320;transport=udp', Expires: 300, Q: -1, 'Call-ID': 'reg-1@test', CSeq: 1,
    'User-Agent': 'cti120-test', Received: '[not set]', Path: '[not set]', State: 'CS_NEW', Flags: 0, CFlags: 0,
    Socket: 'udp:127.0.0.1:35060', Methods: 4294967295, Ruid: 'uloc-6b080083-213c-1', Instance: '[not set]',
    'Reg-Id': 0, 'Server-Id': 0, 'Tcpconn-Id': -1, Keepalive: 0, 'Last-Keepalive': 1795686536, 'KA-Roundtrip': 0,
    'Last-Modified': 1795686536, ...over,
  },
});

// Result of `ul.dump` from kamailio 5.6.3 after one REGISTER, with a second AoR added for coverage.
const dump = {
  Domains: [{
    Domain: {
      Domain: 'location', Size: 1024,
      AoRs: [
        { Info: { AoR: '1001', HashID: 924766748, Contacts: [contact({})] } },
        { Info: { AoR: '2002', HashID: 1, Contacts: [
          contact({ Address: 'sip:2002@10.0.0.9:5062', Expires: 'permanent', Received: 'sip:192.0.2.1:5062', Instance: '<urn:uuid:1>' }),
          contact({ Address: 'sip:2002@10.0.0.9:5063', Expires: 'expired' }),
        ] } },
      ],
      Stats: { Records: 2, 'Max-Slots': 1 },
    },
  }],
};

test('flattens ul.dump into one row per contact', () => {
  const rows = parseUlDump(dump);
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[0], {
    domain: 'location', aor: '1001', contact: 'sip:1001@127.0.0.1:33320;transport=udp', expires: 300, permanent: false,
    socket: 'udp:127.0.0.1:35060', callId: 'reg-1@test', userAgent: 'cti120-test', ruid: 'uloc-6b080083-213c-1',
  });
  assert.equal(rows[1].permanent, true);
  assert.equal(rows[1].received, 'sip:192.0.2.1:5062');
  assert.equal(rows[1].instance, '<urn:uuid:1>');
  assert.equal(rows[2].expires, 0);
  assert.equal(rows[2].permanent, false);
});

test('an empty location table gives no rows', () => {
  assert.deepEqual(parseUlDump({ Domains: [{ Domain: { Domain: 'location', Size: 1024, AoRs: [], Stats: { Records: 0 } } }] }), []);
});

test('a result without Domains is a protocol error', () => {
  assert.throws(() => parseUlDump({ nope: 1 }), (e) => isCtiError(e, 'CTI_ENGINE_PROTOCOL'));
});
