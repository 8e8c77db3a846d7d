/**
 * Kamailio's evapi events as the call flow sees them (control/src/engine/kamailio/events.ts): every SIP string
 * arrives base64 (so quotes, backslashes, GBK-ish bytes and JSON specials cannot break the JSON), display names
 * are unquoted (RFC 3261 25.1 quoted-string), and the caller's number prefers P-Asserted-Identity (RFC 3325).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { callerNumber, decodeEngineEvent, unquote, type CallNewEvent } from '../../../control/src/engine/kamailio/events.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function callNew(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event: 'call.new', callid: b64('abc@10.0.0.1'), ftag: b64('ft-1'), from_user: b64('13800138000'),
    from_name: b64('"王\\"小\\\\二"'), from_uri: b64('sip:13800138000@10.0.0.1'), to_user: b64('120'), ruri_user: b64('120'),
    pai: b64(''), trunk: b64('gw-1'), src: '10.0.0.1:5060', proto: 'udp', arrived_s: 1_764_150_000, arrived_us: 123_456,
    is_trunk: true, tindex: 12, tlabel: 345, ...over,
  };
}

test('decode-call-new: base64 fields decoded, display name unquoted, numbers and time converted', () => {
  const e = decodeEngineEvent(callNew()) as CallNewEvent;
  assert.equal(e.event, 'call.new');
  assert.equal(e.callId, 'abc@10.0.0.1');
  assert.equal(e.fromTag, 'ft-1');
  assert.equal(e.fromUser, '13800138000');
  assert.equal(e.fromName, '王"小\\二');
  assert.equal(e.fromUri, 'sip:13800138000@10.0.0.1');
  assert.equal(e.toUser, '120');
  assert.equal(e.ruriUser, '120');
  assert.equal(e.trunk, 'gw-1');
  assert.equal(e.source, '10.0.0.1:5060');
  assert.equal(e.proto, 'udp');
  assert.equal(e.tindex, 12);
  assert.equal(e.tlabel, 345);
  assert.equal(e.isTrunk, true);
  assert.equal(e.sync, false);
  assert.equal(e.arrivedAt.getTime(), 1_764_150_000_123, 'seconds + microseconds, to the millisecond');
});

test('decode-call-new-missing-fields: absent or empty fields become empty strings and zeros, never throw', () => {
  const e = decodeEngineEvent({ event: 'call.new' }) as CallNewEvent;
  assert.equal(e.callId, '');
  assert.equal(e.fromName, '');
  assert.equal(e.pai, '');
  assert.equal(e.tindex, 0);
  assert.equal(e.isTrunk, false, 'only a literal true is a trunk');
  assert.equal((decodeEngineEvent(callNew({ is_trunk: 'true', sync: 'yes' })) as CallNewEvent).isTrunk, false);
  assert.equal((decodeEngineEvent(callNew({ sync: true })) as CallNewEvent).sync, true);
  assert.equal((decodeEngineEvent(callNew({ tindex: 'x' })) as CallNewEvent).tindex, 0);
});

test('decode-other-events: each kind decoded with its base64 and numeric fields', () => {
  assert.deepEqual(decodeEngineEvent({ event: 'offer.ringing', callid: b64('c1'), seat: b64('seat01'), attempt: 2, code: 180 }),
    { event: 'offer.ringing', callId: 'c1', seat: 'seat01', attempt: 2, code: 180, kind: 'seat' });
  assert.deepEqual(decodeEngineEvent({ event: 'offer.answered', callid: b64('c1'), seat: b64('ringall'), contact: b64('<sip:seat01@127.0.0.1:5070>'), attempt: 0, totag: b64('tt') }),
    { event: 'offer.answered', callId: 'c1', seat: 'ringall', contact: '<sip:seat01@127.0.0.1:5070>', attempt: 0, toTag: 'tt', kind: 'seat' });
  assert.deepEqual(decodeEngineEvent({ event: 'offer.failed', callid: b64('c1'), seat: b64('seat01'), attempt: 1, code: 408, tindex: 1, tlabel: 2 }),
    { event: 'offer.failed', callId: 'c1', seat: 'seat01', attempt: 1, code: 408, tindex: 1, tlabel: 2, kind: 'seat' });
  assert.deepEqual(decodeEngineEvent({ event: 'call.cancelled', callid: b64('c1'), phase: 'offering' }), { event: 'call.cancelled', callId: 'c1', phase: 'offering' });
  assert.deepEqual(decodeEngineEvent({ event: 'call.cancelled', callid: b64('c1'), phase: 'weird' }), { event: 'call.cancelled', callId: 'c1', phase: 'queued' });
  assert.deepEqual(decodeEngineEvent({ event: 'invite.ended', callid: b64('c1'), code: 487 }), { event: 'invite.ended', callId: 'c1', code: 487 });
  assert.deepEqual(decodeEngineEvent({ event: 'call.bye', callid: b64('c1'), by: 'seat' }), { event: 'call.bye', callId: 'c1', by: 'seat' });
  assert.deepEqual(decodeEngineEvent({ event: 'call.bye', callid: b64('c1') }), { event: 'call.bye', callId: 'c1', by: 'caller' });
  assert.deepEqual(decodeEngineEvent({ event: 'call.failed_open', callid: b64('c1'), reason: 'control_plane_down' }), { event: 'call.failed_open', callId: 'c1', reason: 'control_plane_down' });
  assert.deepEqual(decodeEngineEvent({ event: 'resumed', callid: b64('c1'), action: 'offer', attempt: 3 }), { event: 'resumed', callId: 'c1', action: 'offer', attempt: 3 });
  assert.deepEqual(decodeEngineEvent({ event: 'resume_failed', callid: b64('c1'), action: 'ringall', tindex: 4, tlabel: 5 }), { event: 'resume_failed', callId: 'c1', action: 'ringall', tindex: 4, tlabel: 5 });
  assert.deepEqual(decodeEngineEvent({ event: 'seat.registered', user: b64('seat01') }), { event: 'seat.registered', user: 'seat01' });
  assert.deepEqual(decodeEngineEvent({ event: 'seat.unregistered', user: b64('seat01') }), { event: 'seat.unregistered', user: 'seat01' });
  assert.deepEqual(decodeEngineEvent({ event: 'sync.done' }), { event: 'sync.done' });
});

test('decode-unknown-event: undefined, for the caller to log', () => {
  assert.equal(decodeEngineEvent({ event: 'call.teleported' }), undefined);
  assert.equal(decodeEngineEvent({}), undefined);
});

test('unquote: RFC 3261 25.1 quoted-string with quoted-pairs; bare tokens kept', () => {
  assert.equal(unquote('"Zhang \\"San\\""'), 'Zhang "San"');
  assert.equal(unquote('"王\\"小\\\\二"'), '王"小\\二');
  assert.equal(unquote('  "padded"  '), 'padded');
  assert.equal(unquote('""'), '');
  assert.equal(unquote('Bare Token'), 'Bare Token');
  assert.equal(unquote('"'), '"', 'a lone quote is not a quoted-string');
  assert.equal(unquote('"a\\b"'), 'ab', 'a quoted-pair stands for its character');
  assert.equal(unquote(''), '');
});

test('unquote-roundtrip-property: quoting any text (escaping " and \\) and unquoting gives it back', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
    const text = s.trim();
    const quoted = `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    assert.equal(unquote(quoted), text);
  }), { numRuns: 2000 });
});

test('decode-base64-property: any UTF-8 display name and number survive the base64 wire form', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme-ascii' }), (name, user) => {
    const e = decodeEngineEvent(callNew({ from_name: b64(name), from_user: b64(user) })) as CallNewEvent;
    assert.equal(e.fromUser, user);
    assert.equal(e.fromName, unquote(name));
  }), { numRuns: 1000 });
});

function event(over: Partial<CallNewEvent>): CallNewEvent {
  return { ...(decodeEngineEvent(callNew()) as CallNewEvent), ...over };
}

test('caller-number: the P-Asserted-Identity user part when a trunk sent one, else the From user', () => {
  assert.equal(callerNumber(event({ pai: '' })), '13800138000');
  assert.equal(callerNumber(event({ pai: '<sip:+8613912345678@carrier.example;user=phone>' })), '+8613912345678');
  assert.equal(callerNumber(event({ pai: '"Caller" <sips:02012345678@gw.example>' })), '02012345678');
  assert.equal(callerNumber(event({ pai: 'sip:110@10.0.0.1' })), '110');
  assert.equal(callerNumber(event({ pai: '<SIP:02087654321@gw.example>' })), '02087654321', 'the scheme in any case (RFC 3261 19.1.4)');
  assert.equal(callerNumber(event({ pai: '<tel:+8613800000000>' })), '13800138000', 'a tel: PAI has no sip user part: From is used');
  assert.equal(callerNumber(event({ pai: '', fromUser: '%2B8613800138000' })), '+8613800138000', 'percent-escapes decoded (RFC 3261 19.1.2)');
  assert.equal(callerNumber(event({ pai: '', fromUser: '' })), '');
});

test('caller-number-malformed-escape: a user part with a bad %-escape is returned as sent, not thrown', () => {
  // a trunk's junk must not stop the call being recorded; callerNumber runs before the calls row is written
  assert.doesNotThrow(() => callerNumber(event({ pai: '', fromUser: '1380%E4%ZZ' })));
  assert.equal(callerNumber(event({ pai: '', fromUser: '1380%E4%ZZ' })), '1380%E4%ZZ');
  assert.doesNotThrow(() => callerNumber(event({ pai: '<sip:%E4@x>' })));
});

test('engine-events-decode: call.new carries the INVITE as received (base64 kept), where it arrived and the takeover flag', () => {
  const raw = Buffer.from('INVITE sip:120@198.18.0.100 SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.0.20:5082;branch=z9hG4bK-1\r\n\r\n', 'latin1');
  const e = decodeEngineEvent(callNew({ dst: '198.18.0.100:5060', invite: raw.toString('base64'), takeover: true })) as CallNewEvent;
  assert.equal(e.destination, '198.18.0.100:5060');
  assert.deepEqual(Buffer.from(e.inviteB64, 'base64'), raw);
  assert.equal(e.takeover, true);
  const old = decodeEngineEvent(callNew()) as CallNewEvent;
  assert.deepEqual([old.destination, old.inviteB64, old.takeover], ['', '', false], 'an older cfg without the fields');
});
