import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TransactionSql } from 'postgres';
import { classifyWriteError } from '../../../control/src/ha/outbox/classify.ts';
import { decodeEntry, encodeEntry, newEntry, streamIdMs } from '../../../control/src/ha/outbox/entry.ts';
import { fact, runStatement } from '../../../control/src/ha/outbox/statement.ts';
import { isCtiError } from '../../../control/src/errors/catalogue.ts';
import { pgBackoffS } from '../../../control/src/ha/data/pg-backoff.ts';

describe('classifyWriteError: an outage is kept for later, a bug is thrown', () => {
  test('unreachable, closing, starting and read-only servers are outages', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE', 'ENOENT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']) {
      assert.equal(classifyWriteError(Object.assign(new Error(code), { code })), 'outage', code);
    }
    for (const sqlstate of ['25006', '57P01', '57P02', '57P03', '08006', '08001', '08P01', '53300', '40001', '40P01']) {
      assert.equal(classifyWriteError({ code: sqlstate, severity: 'ERROR' }), 'outage', sqlstate);
    }
  });
  test('constraint violations, bad data, syntax and programming errors are bugs', () => {
    for (const sqlstate of ['23505', '23503', '23502', '23514', '22P02', '22001', '42601', '42P01', '42703', '57014', 'XX000']) {
      assert.equal(classifyWriteError({ code: sqlstate }), 'bug', sqlstate);
    }
    for (const err of [new Error('x'), new TypeError('y'), { code: 'UNSAFE_TRANSACTION' }, { code: 'MAX_PARAMETERS_EXCEEDED' }, { code: 'EPERM' }, null, undefined, 'text']) {
      assert.equal(classifyWriteError(err), 'bug', String((err as { code?: string })?.code ?? err));
    }
  });
});

/** What a statement hands to postgres.js: the template strings (with raw, as a tagged template) and the arguments. */
function recordingTx() {
  const calls: { strings: TemplateStringsArray; args: unknown[] }[] = [];
  const helpers: unknown[][] = [];
  const tx = ((first: unknown, ...rest: unknown[]) => {
    if (Array.isArray(first) && 'raw' in (first as object)) {
      calls.push({ strings: first as unknown as TemplateStringsArray, args: rest });
      return Promise.resolve([]);
    }
    helpers.push([first, ...rest]);
    return { helper: [first, ...rest] };
  }) as unknown as TransactionSql;
  (tx as unknown as { json: (v: unknown) => unknown }).json = (v: unknown) => ({ json: v });
  return { tx, calls, helpers };
}

describe('fact statements survive the outbox as JSON and run as written', () => {
  const at = new Date('2026-12-07T20:00:00.123Z');

  test('plain values, Dates, json, a SET list and rows round-trip through JSON', async () => {
    const s = fact`UPDATE calls SET ${fact.set({ state: 'talking', answered_at: at, failed_open: false, skip: undefined })} WHERE id = ${'c1'} AND attempt = ${2} AND seat_id = ANY(${['s1', 's2']}::text[]) AND x = ${null}`;
    const rows = fact`INSERT INTO call_offers ${fact.rows([{ call_id: 'c1', attempt: 1, seat_id: 's1', offered_at: at }], 'call_id', 'attempt', 'seat_id', 'offered_at')}`;
    const ev = fact`INSERT INTO call_events (data, at) VALUES (${fact.json({ a: 1, b: [1, 'x'] })}, ${at})`;
    const replayed = decodeEntry(encodeEntry(newEntry('c1', [s, rows, ev])))!;
    assert.ok(replayed, 'decodes');
    const { tx, calls, helpers } = recordingTx();
    for (const st of replayed.stmts) await runStatement(tx, st);
    assert.equal(calls.length, 3);
    assert.deepEqual([...calls[0].strings], [...calls[0].strings.raw], 'a tagged template (raw) for postgres.js');
    assert.deepEqual([...calls[0].strings], ['UPDATE calls SET ', ' WHERE id = ', ' AND attempt = ', ' AND seat_id = ANY(', '::text[]) AND x = ', '']);
    assert.deepEqual(calls[0].args.slice(1), ['c1', 2, ['s1', 's2'], null]);
    assert.deepEqual(helpers[0], [{ state: 'talking', answered_at: at, failed_open: false }], 'SET columns; undefined left out; the Date is a Date again');
    assert.ok((helpers[0][0] as { answered_at: unknown }).answered_at instanceof Date);
    assert.deepEqual(helpers[1], [[{ call_id: 'c1', attempt: 1, seat_id: 's1', offered_at: at }], 'call_id', 'attempt', 'seat_id', 'offered_at']);
    assert.deepEqual(calls[2].args, [{ json: { a: 1, b: [1, 'x'] } }, at]);
    assert.ok(calls[2].args[1] instanceof Date, 'a Date argument is bound as a Date (timestamptz), replayed or not');
  });

  test('a value the outbox cannot keep is refused with a coded error, not stored half', () => {
    assert.throws(() => fact`SELECT ${{ some: 'object' }}`, (e) => isCtiError(e, 'CTI_FACT_ARGUMENT_UNSUPPORTED'));
    assert.throws(() => fact`SELECT ${Buffer.from('x')}`, (e) => isCtiError(e, 'CTI_FACT_ARGUMENT_UNSUPPORTED'));
    assert.throws(() => fact.set({ a: new Map() }), (e) => isCtiError(e, 'CTI_FACT_ARGUMENT_UNSUPPORTED'));
  });
});

describe('outbox entries: idempotency keys and decoding', () => {
  test('each write gets its own key (a uuid), kept through the outbox', () => {
    const a = newEntry('call-1', [fact`SELECT 1`], 1000);
    const b = newEntry('call-1', [fact`SELECT 1`], 1000);
    assert.notEqual(a.id, b.id, 'two writes of the same statement are two facts');
    assert.match(a.id, /^[0-9a-f-]{36}$/);
    assert.equal(decodeEntry(encodeEntry(a))!.id, a.id, 'a replay uses the key of the write, so a write already committed is skipped');
  });
  test('what is not an entry is never replayed', () => {
    const good = encodeEntry(newEntry('k', [fact`SELECT ${1}`]));
    assert.ok(decodeEntry(good));
    for (const raw of [undefined, '', 'not json', '{}', '[]', 'null',
      good.replace(/"id":"[^"]+"/, '"id":"x"'),
      JSON.stringify({ ...JSON.parse(good), stmts: [] }),
      JSON.stringify({ ...JSON.parse(good), stmts: [{ strings: ['a', 'b'], args: [] }] })]) {
      assert.equal(decodeEntry(raw), undefined, String(raw));
    }
  });
  test('stream ids order the outbox by time of writing', () => {
    assert.equal(streamIdMs('1765137600123-4'), 1765137600123);
  });
});

test('pgBackoffS: reconnects soon and never waits more than a second (postgres.js default reaches 20 s)', () => {
  assert.deepEqual([0, 1, 2, 3, 4].map(pgBackoffS), [0.05, 0.1, 0.2, 0.4, 0.8]);
  for (const r of [5, 12, 40, 1000]) assert.equal(pgBackoffS(r), 1);
});
