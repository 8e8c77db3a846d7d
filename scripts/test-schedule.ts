/**
 * Runs the contract and integration test files on 2 cores in three phases, each file in its own
 * `node --test` (as the runner does anyway), its output printed whole when it ends, so that two files
 * running at once never interleave their lines:
 *   1. the "beside" lane: files listed in test/integration/run-alone.txt with the mark [beside-light]
 *      (the pair tests of test/integration/ha/, which mostly wait on failover timers), one after the
 *      other; beside them, one at a time, the light files: every shared file (not in run-alone.txt)
 *      that starts no browser (Chromium fails page loads with net::ERR_NETWORK_CHANGED while a pair
 *      adds and removes interfaces on the host), the contract files first;
 *   2. the shared files left (those with a browser, and light files the first phase did not reach),
 *      TEST_JOBS (default 2) at a time, the files of run-alone.txt marked [pool] first (the long ones: they
 *      would otherwise end the phase alone), one of those at a time, beside light files only; the [pool]
 *      files and the browser files each the longest first (test/integration/seconds.tsv);
 *   3. the other files of run-alone.txt, one after the other with nothing beside them.
 * A file starts a browser when it or a file it imports (relative imports, followed) names chromium or
 * playwright. Prints each file's wall time, a table of the slowest at the end and the totals; writes
 * <state>/test-times.tsv (file, lane, seconds, result). Exits 1 if any file failed.
 *   node --import tsx scripts/test-schedule.ts [node --test arguments] -- FILE...
 *   node --import tsx scripts/test-schedule.ts --list -- FILE...     prints each file's lane, runs nothing
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Lane = 'beside' | 'light' | 'shared' | 'pool' | 'alone';

interface Outcome {
  readonly file: string;
  readonly lane: Lane;
  readonly seconds: number;
  readonly ok: boolean;
  readonly counts: Record<string, number>;
  /** For a failed file: its failing tests' names and first message lines, a few short lines. */
  readonly digest: readonly string[];
}

const BROWSER = /\bchromium\b|\bplaywright\b/;
const IMPORT = /(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g;

/** Whether `file` or anything it imports by a relative path names a browser. */
export function startsBrowser(file: string, seen = new Set<string>()): boolean {
  const path = resolve(file);
  if (seen.has(path) || !existsSync(path)) return false;
  seen.add(path);
  const text = readFileSync(path, 'utf8');
  if (BROWSER.test(text)) return true;
  for (const m of text.matchAll(IMPORT)) {
    if (startsBrowser(join(dirname(path), m[1]!), seen)) return true;
  }
  return false;
}

/** Lanes of the given files, by scripts/test-lanes.sh (run-alone.txt) and the browser check. */
export function lanesOf(files: readonly string[]): Map<string, Lane> {
  const out = execFileSync('bash', ['scripts/test-lanes.sh', ...files], { encoding: 'utf8' });
  const lanes = new Map<string, Lane>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [lane, file, mark] = line.split('\t');
    if (lane === 'alone') lanes.set(file!, mark === 'beside-light' ? 'beside' : mark === 'pool' ? 'pool' : 'alone');
    else lanes.set(file!, startsBrowser(file!) ? 'shared' : 'light');
  }
  return lanes;
}

/**
 * Expected seconds per file, from test/integration/seconds.tsv (absent file: none known). Only orders files: see
 * longestFirst.
 */
export function expectedSeconds(path = join(dirname(fileURLToPath(import.meta.url)), '..', 'test/integration/seconds.tsv')): Map<string, number> {
  const seconds = new Map<string, number>();
  if (!existsSync(path)) return seconds;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [file, s] = line.replace(/#.*/, '').trim().split('\t');
    if (file && s && Number.isFinite(Number(s))) seconds.set(file, Number(s));
  }
  return seconds;
}

/**
 * The files, the longest first (a file with no known time counts as the longest; ties keep their order): a long
 * file started last would end its phase alone while the other worker idles (9-12 s of the shared phase in the
 * rehearsals of session 7, simulated from their per-file times).
 */
export function longestFirst(files: readonly string[], seconds: ReadonlyMap<string, number>): string[] {
  const s = (f: string) => seconds.get(f) ?? Infinity;
  return files.map((f, i) => ({ f, i })).sort((a, b) => s(b.f) - s(a.f) || a.i - b.i).map((x) => x.f);
}

const COUNT = /^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/;

function runFile(file: string, lane: Lane, nodeArgs: readonly string[]): Promise<Outcome> {
  const t0 = Date.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec',
      ...nodeArgs, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('close', (code) => {
      const text = Buffer.concat(chunks).toString('utf8');
      const counts: Record<string, number> = {};
      for (const line of text.split('\n')) {
        const m = COUNT.exec(line.trim());
        if (m) counts[m[1]!] = Number(m[2]);
      }
      const ok = code === 0;
      const outcome = { file, lane, seconds: (Date.now() - t0) / 1000, ok, counts, digest: ok ? [] : failureDigest(text) };
      process.stdout.write(`${text.trimEnd()}\n== ${file} [${lane}]: ${outcome.ok ? 'passed' : 'FAILED'}, `
        + `${outcome.seconds.toFixed(1)} s\n`);
      done(outcome);
    });
  });
}

/**
 * The failing tests of a file's spec output, each as its name and the first line of its error, cut short:
 * CI keeps only the tail of a run, so these lines are printed last (a file that failed outside a test, e.g.
 * in `before`, gives its last lines instead).
 */
export function failureDigest(text: string, max = 3): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('✖ failing tests:'));
  const out: string[] = [];
  if (start >= 0) {
    for (let i = start + 1; i < lines.length && out.length < max * 2; i++) {
      if (!lines[i]!.startsWith('✖ ')) continue;
      out.push(`  ${cut(lines[i]!.replace(/ # .*$/, ''), 160)}`);
      const msg = lines.slice(i + 1, i + 6).find((l) => l.trim() && !/^\s+at /.test(l) && !l.startsWith('✖ '));
      if (msg) out.push(`    ${cut(msg.trim(), 220)}`);
    }
  }
  if (out.length === 0) out.push(...lines.filter((l) => l.trim()).slice(-3).map((l) => `  ${cut(l.trim(), 200)}`));
  return out;
}

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Takes files from `queue` into `slots` workers until it is empty. */
async function pool(queue: string[], slots: number, lane: (f: string) => Lane, nodeArgs: readonly string[],
  results: Outcome[]): Promise<void> {
  const worker = async () => {
    while (queue.length > 0) {
      const f = queue.shift()!;
      results.push(await runFile(f, lane(f), nodeArgs));
    }
  };
  await Promise.all(Array.from({ length: slots }, worker));
}

async function main(): Promise<void> {
  const sep = process.argv.indexOf('--');
  const nodeArgs = sep < 0 ? [] : process.argv.slice(2, sep);
  const files = sep < 0 ? process.argv.slice(2) : process.argv.slice(sep + 1);
  const jobs = Number(process.env.TEST_JOBS ?? 2);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`TEST_JOBS must be a positive number, not ${process.env.TEST_JOBS}`);
  const lanes = lanesOf(files);
  if (nodeArgs.includes('--list')) {
    for (const f of files) console.log(`${lanes.get(f)}\t${f}`);
    return;
  }
  const of = (lane: Lane) => files.filter((f) => lanes.get(f) === lane);
  const beside = of('beside');
  // contract files first: short, and their tier used to run before the integration tier
  const light = [...of('light').filter((f) => !f.startsWith('test/integration/')), ...of('light').filter((f) => f.startsWith('test/integration/'))];
  const seconds = expectedSeconds();
  const shared = longestFirst(of('shared'), seconds);
  const pooled = longestFirst(of('pool'), seconds);
  const alone = of('alone');
  const t0 = Date.now();
  const since = () => `${Math.round((Date.now() - t0) / 1000)} s`;
  const results: Outcome[] = [];
  const laneOf = (f: string) => lanes.get(f)!;

  // phases 1 and 2 as one pool of `jobs` workers: the first runs the beside lane, then joins the others; while
  // the beside lane runs, the others take only light files (and wait when none is left). Then the [pool] files
  // first, one at a time and only beside light files: a [pool] file waits while a browser file runs, and while
  // one runs the others take light files only (a worker that finds nothing it may take waits for a file to end)
  const rest = [...pooled, ...light, ...shared];
  let besideRunning = beside.length > 0;
  const running = new Map<Lane, number>();
  const count = (lane: Lane) => running.get(lane) ?? 0;
  let wake = () => {};
  let changed = new Promise<void>((r) => { wake = r; });
  const signal = () => { wake(); changed = new Promise<void>((r) => { wake = r; }); };
  console.log(`== phase 1: ${beside.length} file(s) of the beside lane one after the other, beside them ${light.length} light file(s) one at a time`);
  if (pooled.length) console.log(`== phase 2 starts with ${pooled.length} file(s) marked [pool], one at a time beside light files`);
  const takes = (f: string) => {
    const lane = lanes.get(f)!;
    if (besideRunning || count('pool') > 0) return lane === 'light';
    return lane !== 'pool' || count('shared') === 0;
  };
  const next = async (): Promise<string | undefined> => {
    for (;;) {
      if (rest.length === 0) return undefined;
      const i = rest.findIndex(takes);
      if (i >= 0) {
        // counted as running as it is taken: another worker deciding in between sees it
        const f = rest.splice(i, 1)[0]!;
        running.set(laneOf(f), count(laneOf(f)) + 1);
        return f;
      }
      await changed;
    }
  };
  const run = async (f: string) => {
    const lane = laneOf(f);
    results.push(await runFile(f, lane, nodeArgs));
    running.set(lane, count(lane) - 1);
    signal();
  };
  const worker = async (first: boolean) => {
    if (first && beside.length > 0) {
      for (const f of beside) results.push(await runFile(f, 'beside', nodeArgs));
      besideRunning = false;
      signal();
      console.log(`== phase 1 ended at ${since()}; phase 2: the ${rest.length} shared file(s) left, ${jobs} at a time`);
    }
    for (let f = await next(); f !== undefined; f = await next()) await run(f);
  };
  await Promise.all(Array.from({ length: jobs }, (_, i) => worker(i === 0)));
  console.log(`== phase 2 ended at ${since()}`);
  console.log(`== phase 3: ${alone.length} file(s) of run-alone.txt, one after the other`);
  await pool(alone, 1, laneOf, nodeArgs, results);
  console.log(`== phase 3 ended at ${since()}`);

  const total: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.counts)) total[k] = (total[k] ?? 0) + v;
  console.log('== slowest files (seconds, lane):');
  for (const r of [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 15)) {
    console.log(`${r.seconds.toFixed(1).padStart(7)}  ${r.lane.padEnd(6)}  ${r.ok ? '' : 'FAILED '}${r.file}`);
  }
  const dir = join(process.cwd(), '.run');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'test-times.tsv'), `file\tlane\tseconds\tresult\n${results.map((r) =>
    `${r.file}\t${r.lane}\t${r.seconds.toFixed(1)}\t${r.ok ? 'pass' : 'FAIL'}`).join('\n')}\n`);
  const failed = results.filter((r) => !r.ok);
  console.log(`== ${results.length} file(s) in ${since()}: ${Object.entries(total).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (failed.length) {
    console.log(`== FAILED file(s): ${failed.map((r) => r.file).join(' ')}`);
    // the digest goes to a file that test.sh prints as the run's last lines (CI keeps only the tail)
    appendFileSync(join(dir, 'test-failures.txt'), `${failed.map((r) => [`${r.file} (${r.seconds.toFixed(1)} s):`, ...r.digest]
      .join('\n')).join('\n')}\n`);
    for (const r of failed) console.log([`${r.file}:`, ...r.digest].join('\n'));
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(`test-schedule: ${(e as Error).stack ?? String(e)}`);
    process.exit(2);
  });
}
