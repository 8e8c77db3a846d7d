/**
 * Recording search (GET /v1/recordings) on a year of calls: BENCH_ROWS (default 1,000,000) calls with their
 * recordings, seat log-ins of 24 dispatchers on 8 seats (three shifts a day) and two seat state rows per call, a final QA review on every
 * 100th call and a tag on every 500th, generated in PostgreSQL with generate_series. Times typical searches
 * (searchRecordings, the route's query) first without the search indexes of the recording-integrity-qa and
 * recording-search-dispatcher-index migrations (the peer: only the foundation's indexes), then with them, in the same run on the same data.
 * Reports p50/p99 per search and variant and the ratio.
 *
 *   npm run bench -- recording-search        (BENCH_ROWS, BENCH_RUNS searches per variant)
 */
import postgres, { type Sql } from 'postgres';
import { removeStackState, startStack } from '../scripts/stack/stack.ts';
import { searchRecordings, type RecordingSearch } from '../control/src/recordings/search.ts';
import { envInt, type Benchmark } from './support/benchmark.ts';
import { round3, summarise } from './support/stats.ts';

/** The indexes the search relies on (control/migrations/1795688600000_recording-integrity-qa.sql). */
const SEARCH_INDEXES: Record<string, string> = {
  calls_arrived_at_id: 'CREATE INDEX calls_arrived_at_id ON calls (arrived_at, id)',
  calls_seat_arrived: 'CREATE INDEX calls_seat_arrived ON calls (answered_seat_id, arrived_at)',
  calls_queue_arrived: 'CREATE INDEX calls_queue_arrived ON calls (queue_id, arrived_at)',
  calls_centre_arrived: 'CREATE INDEX calls_centre_arrived ON calls (centre_id, arrived_at)',
  calls_incident: 'CREATE INDEX calls_incident ON calls (incident_id) WHERE incident_id IS NOT NULL',
  calls_seat_answered: 'CREATE INDEX calls_seat_answered ON calls (answered_seat_id, answered_at)',
  seat_state_log_logins: "CREATE INDEX seat_state_log_logins ON seat_state_log (user_id, at) WHERE from_state = 'logged_out'",
  seat_state_log_sessions: "CREATE INDEX seat_state_log_sessions ON seat_state_log (seat_id, at) WHERE from_state = 'logged_out' OR to_state = 'logged_out'",
  qa_reviews_call: 'CREATE INDEX qa_reviews_call ON qa_reviews (call_id, status, score)',
  recording_tags_tag: 'CREATE INDEX recording_tags_tag ON recording_tags (tag, recording_id)',
};

const START = new Date('2025-06-01T00:00:00Z');
const DAY = 86_400_000;

async function generate(sql: Sql, rows: number, log: (l: string) => void): Promise<{ dispatcher: string; caller: string; incident: string }> {
  const t0 = Date.now();
  await sql`INSERT INTO queues (id, centre_id, name) VALUES ('bench-q2', 'city', '二线') ON CONFLICT DO NOTHING`;
  await sql`INSERT INTO seats (id, centre_id, display_name, sip_username, sip_domain, ha1, ha1b)
            SELECT 'b-' || s, 'city', '席位 ' || s, 'b' || s, '127.0.0.1', 'x', 'x' FROM generate_series(1, 8) s`;
  await sql`INSERT INTO users (username, display_name, password_hash, roles, centre_id)
            SELECT 'bench-d' || u, '调度员 ' || u, 'x', ARRAY['dispatcher'], 'city' FROM generate_series(1, 24) u`;
  await sql`INSERT INTO users (username, display_name, password_hash, roles, centre_id) VALUES ('bench-qa', '质检员', 'x', ARRAY['qa'], 'city')`;
  // Shift k of seat s: dispatcher ((s - 1) * 3 + k % 3) + 1 logs in at k * 8 h and out 8 h later.
  await sql`
    INSERT INTO seat_state_log (seat_id, from_state, to_state, reason, user_id, at)
    SELECT 'b-' || s, x.f, x.t, x.r, u.id, ${START}::timestamptz + k * interval '8 hours' + x.d
      FROM generate_series(1, 8) s CROSS JOIN generate_series(0, 3 * 366) k
      JOIN LATERAL (VALUES ('logged_out', 'not_ready', 'login', interval '0'), ('ready', 'logged_out', 'logout', interval '8 hours' - interval '1 second')) x(f, t, r, d) ON true
      JOIN users u ON u.username = 'bench-d' || (((s - 1) * 3 + k % 3) % 24 + 1)`;
  const step = (365 * DAY) / rows;
  await sql`
    INSERT INTO calls (centre_id, sip_call_id, caller_number, called_number, queue_id, state, arrived_at, queued_at, first_offered_at,
                       answered_at, ended_at, answered_seat_id, ended_by, end_reason, incident_id)
    SELECT 'city', 'bench-' || i, '138' || lpad(((i::bigint * 7919) % 200000)::text, 8, '0'), '120', CASE WHEN i % 7 = 0 THEN 'bench-q2' ELSE 'city-main' END,
           'ended', a, a + interval '200 ms', a + interval '1 s', a + (i % 20 + 2) * interval '1 s', a + (i % 20 + 2 + 30 + i % 300) * interval '1 s',
           'b-' || (i % 8 + 1), 'caller', 'bye', CASE WHEN i % 50 = 0 THEN 'INC-' || i END
      FROM generate_series(1, ${rows}) i, LATERAL (SELECT ${START}::timestamptz + i * ${step}::float8 * interval '1 ms' AS a) t`;
  log(`  calls: ${rows} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // What the seats log for every call besides log-ins: talking and wrap-up.
  await sql`
    INSERT INTO seat_state_log (seat_id, from_state, to_state, reason, user_id, at)
    SELECT c.answered_seat_id, x.f, x.t, NULL, NULL, c.answered_at + x.d FROM calls c
      CROSS JOIN (VALUES ('reserved', 'talking', interval '0'), ('talking', 'wrap_up', interval '30 s')) x(f, t, d)
     WHERE c.sip_call_id LIKE 'bench-%'`;
  await sql`
    INSERT INTO recordings (call_id, sip_call_id, centre_id, status, path, started_at, duration_ms, size_bytes, sm3)
    SELECT c.id, c.sip_call_id, 'city', 'ready', '/nonexistent/' || c.sip_call_id || '.wav', c.answered_at,
           (extract(epoch FROM c.ended_at - c.answered_at) * 1000)::int, 44 + 32 * extract(epoch FROM c.ended_at - c.answered_at)::int * 1000, repeat('0', 64)
      FROM calls c WHERE c.sip_call_id LIKE 'bench-%'`;
  log(`  recordings: ${rows} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const [form] = await sql<{ id: string }[]>`
    INSERT INTO qa_forms (centre_id, name, items, grades) VALUES ('city', 'bench', '[]', '{"excellent":90,"good":80,"fair":60}') RETURNING id`;
  await sql`
    INSERT INTO qa_reviews (centre_id, call_id, form_id, reviewer_id, seat_id, call_arrived_at, status, answers, score, grade, finalised_at)
    SELECT 'city', c.id, ${form.id}, (SELECT id FROM users WHERE username = 'bench-qa'), c.answered_seat_id, c.arrived_at, 'final', '[]',
           (hashtext(c.id::text) & 127) % 101, '中', c.ended_at
      FROM calls c WHERE c.sip_call_id LIKE 'bench-%' AND substr(c.sip_call_id, 7)::int % 100 = 0`;
  await sql`
    INSERT INTO recording_tags (recording_id, tag)
    SELECT r.id, '典型案例' FROM recordings r WHERE r.sip_call_id LIKE 'bench-%' AND substr(r.sip_call_id, 7)::int % 500 = 0`;
  log(`  reviews, tags, seat log-ins: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const [d] = await sql<{ id: string }[]>`SELECT id FROM users WHERE username = 'bench-d5'`;
  return { dispatcher: d.id, caller: '13800007919', incident: `INC-${Math.floor(rows / 2 / 50) * 50}` };
}

function searches(ctx: { dispatcher: string; caller: string; incident: string }): Record<string, RecordingSearch> {
  const iso = (ms: number) => new Date(START.getTime() + ms).toISOString();
  const mid = 180 * DAY;
  return {
    latest_week: { from: iso(358 * DAY), to: iso(365 * DAY), limit: 50 },
    seat_month: { seat_id: 'b-3', from: iso(mid), to: iso(mid + 30 * DAY), limit: 50 },
    dispatcher_month: { dispatcher: ctx.dispatcher, from: iso(mid), to: iso(mid + 30 * DAY), limit: 50 },
    dispatcher_year: { dispatcher: ctx.dispatcher, limit: 50 },
    caller_number: { caller_number: ctx.caller, limit: 50 },
    queue_day: { queue_id: 'bench-q2', from: iso(mid), to: iso(mid + DAY), limit: 50 },
    incident: { incident_id: ctx.incident, limit: 50 },
    score_90_plus_year: { min_score: 90, limit: 50 },
    tag_year: { tag: '典型案例', limit: 50 },
    long_calls_week: { min_duration: 300, from: iso(mid), to: iso(mid + 7 * DAY), limit: 50 },
    seat_month_page_5: { seat_id: 'b-3', from: iso(mid), to: iso(mid + 30 * DAY), limit: 50 },
  };
}

async function timeSearch(sql: Sql, name: string, q: RecordingSearch): Promise<{ ms: number; hits: number }> {
  const t = process.hrtime.bigint();
  let page = await searchRecordings(sql, q);
  if (name.endsWith('_page_5')) {
    for (let i = 1; i < 5 && page.next_cursor; i++) page = await searchRecordings(sql, { ...q, cursor: page.next_cursor });
  }
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, hits: page.items.length };
}

async function measure(sql: Sql, qs: Record<string, RecordingSearch>, runs: number, log: (l: string) => void, label: string) {
  const out: Record<string, { p50: number; p99: number; hits: number }> = {};
  for (const [name, q] of Object.entries(qs)) {
    await timeSearch(sql, name, q);
    const samples: number[] = [];
    let hits = 0;
    for (let i = 0; i < runs; i++) {
      const r = await timeSearch(sql, name, q);
      samples.push(r.ms);
      hits = r.hits;
    }
    const s = summarise(samples);
    out[name] = { p50: s.median, p99: s.p99, hits };
    log(`  ${label.padEnd(8)} ${name.padEnd(20)} p50 ${s.median.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  (${hits} hits)`);
  }
  return out;
}

const benchmark: Benchmark = {
  description: 'recording search on a year of calls (1M calls + recordings): typical searches with the search indexes vs without them',
  async run(log) {
    const rows = envInt('BENCH_ROWS', 1_000_000);
    const runs = envInt('BENCH_RUNS', 20);
    const stack = await startStack({ name: `bench-recsearch-${process.pid}`, control: false });
    const sql = postgres(stack.info.postgres.url, { max: 2, onnotice: () => {} });
    try {
      for (const name of Object.keys(SEARCH_INDEXES)) await sql.unsafe(`DROP INDEX IF EXISTS ${name}`);
      log(`recording-search: generating ${rows} calls with recordings (search indexes dropped)`);
      const ctx = await generate(sql, rows, log);
      await sql`ANALYZE`;
      const qs = searches(ctx);
      log('without the search indexes (peer):');
      const peer = await measure(sql, qs, runs, log, 'peer');
      const t0 = Date.now();
      for (const ddl of Object.values(SEARCH_INDEXES)) await sql.unsafe(ddl);
      await sql`ANALYZE`;
      const indexBuildS = (Date.now() - t0) / 1000;
      log(`search indexes built in ${indexBuildS.toFixed(1)} s`);
      log('with the search indexes:');
      const indexed = await measure(sql, qs, runs, log, 'indexed');
      const figures: Record<string, unknown> = { rows, runs, index_build_s: round3(indexBuildS) };
      for (const name of Object.keys(qs)) {
        if (peer[name].hits !== indexed[name].hits) throw new Error(`${name}: ${peer[name].hits} hits without indexes, ${indexed[name].hits} with`);
        figures[name] = {
          p50_ms: indexed[name].p50, p99_ms: indexed[name].p99, peer_p50_ms: peer[name].p50, peer_p99_ms: peer[name].p99,
          p50_speedup: round3(peer[name].p50 / indexed[name].p50), hits: indexed[name].hits,
        };
      }
      return figures;
    } finally {
      await sql.end();
      await stack.stop();
      removeStackState(stack.info.name);
    }
  },
};

export default benchmark;
