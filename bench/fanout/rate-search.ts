import type { PhaseResult } from './fanout-phase';

export interface SearchResult {
  /** The highest rate sustained, or null when not even the lowest tried was. */
  best: PhaseResult | null;
  tried: PhaseResult[];
}

/** Every event reached every subscriber, in order (live), and the clients kept up within `maxP99Ms`. */
export function sustained(result: PhaseResult, maxP99Ms: number): boolean {
  return result.lost === 0 && (result.mode === 'raw' || result.outOfOrder === 0) && result.p99 <= maxP99Ms;
}

/**
 * The highest events/s that `run` sustains, in at most `maxSteps` phases: doubles from `start`
 * until a rate fails (or halves until one passes), then bisects the gap, stopping once it is
 * within 10% of the rate that passed.
 */
export async function searchHighestSustained(
  run: (rate: number) => Promise<PhaseResult>,
  passes: (result: PhaseResult) => boolean,
  start: number,
  maxSteps: number,
): Promise<SearchResult> {
  const tried: PhaseResult[] = [];
  let best: PhaseResult | null = null;
  let failed = Infinity;
  let rate = start;
  for (let step = 0; step < maxSteps && rate >= 1; step += 1) {
    const result = await run(rate);
    tried.push(result);
    if (passes(result)) best = result;
    else failed = rate;
    const passed = best?.rate ?? 0;
    if (failed === Infinity) rate = passed * 2;
    else if (passed === 0) rate = Math.floor(failed / 2);
    else if (failed - passed <= Math.max(1, passed / 10)) break;
    else rate = Math.round((passed + failed) / 2);
  }
  return { best, tried };
}
