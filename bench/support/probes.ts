/** Timing helpers for breakdowns: probes timed after a full GC, and the garbage a piece of work makes. */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { median, nowMs } from './stats';

type GcStatistics = Array<{ cost: number; beforeGC: HeapAt; afterGC: HeapAt }>;
type HeapAt = { heapStatistics: { usedHeapSize: number } };

/** Garbage collected (MB) and time spent collecting it (ms), per call of `work`, over `calls` calls. */
export async function garbagePerCall(calls: number, work: (index: number) => Promise<unknown>) {
  const profiler = new v8.GCProfiler();
  profiler.start();
  for (let i = 0; i < calls; i++) await work(i);
  const statistics = (profiler.stop() as unknown as { statistics: GcStatistics }).statistics;
  const freed = (gc: GcStatistics[number]) =>
    Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize);
  const bytes = statistics.reduce((sum, gc) => sum + freed(gc), 0);
  return { mb: bytes / 2 ** 20 / calls, ms: statistics.reduce((sum, gc) => sum + gc.cost, 0) / 1000 / calls };
}

v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Every probe once a round (the first one rotating), after a full GC each time; each probe's median. */
export async function timeProbes<K extends string>(rounds: number, probes: Record<K, (i: number) => Promise<unknown>>) {
  const names = Object.keys(probes) as K[];
  for (const name of names) for (let i = 0; i < Math.min(3, rounds); i++) await probes[name](i); // warm-up
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < rounds; i++)
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length];
      collectGarbage();
      const t0 = nowMs();
      await probes[name](i);
      times[name].push(nowMs() - t0);
    }
  return Object.fromEntries(names.map((name) => [name, median(times[name])])) as Record<K, number>;
}

/** Object fields in a result: roughly the number of resolver calls graphql-js made for it. */
export function countFields(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countFields(item), 0);
  if (value && typeof value === 'object')
    return Object.values(value).reduce((sum: number, item) => sum + 1 + countFields(item), 0);
  return 0;
}
