/** Latencies in 0.1 ms buckets up to 10 s: mergeable across processes, exact enough for p50/p99. */
export const BUCKETS = 100_000;

export function newHistogram(): number[] {
  return new Array<number>(BUCKETS).fill(0);
}

export function record(histogram: number[], ms: number): void {
  histogram[Math.min(BUCKETS - 1, Math.max(0, Math.round(ms * 10)))] += 1;
}

export function merge(into: number[], from: number[]): void {
  for (let i = 0; i < BUCKETS; i += 1) into[i] += from[i];
}

export function quantileMs(histogram: number[], q: number): number {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i += 1) {
    seen += histogram[i];
    if (seen >= q * total && total > 0) return i / 10;
  }
  return Number.NaN;
}
