/** Order statistics for benchmark samples (milliseconds). Percentiles by nearest rank. */

export interface Summary {
  n: number;
  median: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile (p in 0..100) of sorted ascending values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** The median (mean of the two middle values for an even count). */
export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

export function summarise(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    median: round3(median(s)),
    p90: round3(percentile(s, 90)),
    p99: round3(percentile(s, 99)),
    min: round3(s[0] ?? Number.NaN),
    max: round3(s[s.length - 1] ?? Number.NaN),
    mean: round3(s.reduce((a, b) => a + b, 0) / (s.length || Number.NaN)),
  };
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
