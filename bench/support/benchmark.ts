/**
 * What a benchmark in bench/<name>.ts exports by default. `run` starts what it needs, measures the subject
 * against a peer in the same run, writes its progress with `log` and returns the figures; bench/run.ts prints
 * them as the last line of output, one JSON object.
 */
export interface Benchmark {
  /** One line: what is compared with what. */
  readonly description: string;
  run(log: (line: string) => void): Promise<Record<string, unknown>>;
}

/** An integer from the environment (BENCH_*), or the default. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name}=${raw}: give a positive integer`);
  return v;
}
