/**
 * npm run bench -- <name>: runs bench/<name>.ts (its default export, a Benchmark). Progress goes to stdout as
 * it happens; the last line of output is one JSON object with the figures. An unknown or missing name lists
 * the benchmarks and exits with 2; a benchmark that throws exits with 1 (and prints no JSON line).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark } from './support/benchmark.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

function benchmarkNames(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function main(): Promise<number> {
  const name = process.argv[2];
  const names = benchmarkNames();
  if (!name || !names.includes(name)) {
    console.error(`${name ? `No benchmark "${name}". ` : ''}Usage: npm run bench -- <name>. Benchmarks:`);
    for (const n of names) {
      const b = (await import(pathToFileURL(join(BENCH_DIR, `${n}.ts`)).href)).default as Benchmark;
      console.error(`  ${n.padEnd(20)} ${b.description}`);
    }
    return 2;
  }
  const bench = (await import(pathToFileURL(join(BENCH_DIR, `${name}.ts`)).href)).default as Benchmark;
  const started = Date.now();
  const figures = await bench.run((line) => console.log(line));
  console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(JSON.stringify(figures));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exit(1);
  },
);
