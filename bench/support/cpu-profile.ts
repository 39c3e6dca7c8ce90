import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

/** A V8 CPU profile, as `node --cpu-prof` writes it and the inspector returns it. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

/** Runs `work` under the V8 sampling profiler of this process; resolves with its result and the profile. */
export async function profileDuring<T>(
  work: () => Promise<T>,
  intervalMicros = 500,
): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) =>
      session.post(method, params, (error, answer) => (error ? reject(error) : resolve(answer))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: intervalMicros });
  await post('Profiler.start');
  try {
    const result = await work();
    const { profile } = await post('Profiler.stop');
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/** The package a script belongs to (or its path in the project, or node's internals). */
export function bucketOf(url: string): string {
  if (!url) return '(native/V8)';
  if (url.includes('undici')) return 'undici';
  if (url.startsWith('node:')) return 'node:internal';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    // Apollo Server by module (its plugins and its per-field instrumentation are worth telling apart).
    if (rest[0] === '@apollo' && rest[1] === 'server')
      return `@apollo/server/${rest.slice(4).join('/').replace(/\.js$/, '')}`;
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const project = url.match(/\/(src|bench|migrations|test|scripts)\/.*$/);
  return project ? project[0].slice(1) : url;
}

const PROFILER = '(profiler)';

/**
 * Splits the busy time of a profile into categories: each sample goes to the first category whose
 * pattern matches a frame of its stack ("functionName package-or-file"), else to "other".
 * Garbage collection is its own category; the profiler's own work is left out. Returns milliseconds
 * by category, in the order given, then garbage collection and other. BENCH_PROFILE_OTHER=1 lists
 * the functions whose time went to "other".
 */
export function attribute(profile: CpuProfile, categories: Array<[string, RegExp]>): Array<[string, number]> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>([
    ...categories.map(([name]) => [name, 0] as [string, number]),
    ['garbage collection', 0],
    ['other', 0],
  ]);
  const categoryOf = new Map<number, string | null>();
  const classify = (id: number): string | null => {
    if (categoryOf.has(id)) return categoryOf.get(id)!;
    const labels: string[] = [];
    let profiler = false;
    for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
      const frame = byId.get(cursor)!.callFrame;
      labels.push(`${frame.functionName} ${bucketOf(frame.url)}`);
      if (frame.url === 'node:inspector') profiler = true;
    }
    // The profiler's own work (stopping, serialising the profile) is not the program's.
    const found = profiler
      ? PROFILER
      : (categories.find(([, pattern]) => labels.some((label) => pattern.test(label)))?.[0] ?? null);
    categoryOf.set(id, found);
    return found;
  };
  const otherFrames = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const ms = profile.timeDeltas[index] / 1000;
    const name = byId.get(id)!.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') return;
    const category = name === '(garbage collector)' ? 'garbage collection' : (classify(id) ?? 'other');
    if (category === PROFILER) return;
    totals.set(category, totals.get(category)! + ms);
    if (category === 'other' && process.env.BENCH_PROFILE_OTHER) {
      const frame = byId.get(id)!.callFrame;
      const key = `${frame.functionName || '(anonymous)'} ${bucketOf(frame.url)}:${frame.lineNumber + 1}`;
      otherFrames.set(key, (otherFrames.get(key) ?? 0) + ms);
    }
  });
  if (process.env.BENCH_PROFILE_OTHER)
    for (const [key, ms] of [...otherFrames].sort((a, b) => b[1] - a[1]).slice(0, 25))
      console.log(`    other: ${ms.toFixed(1)} ms ${key}`);
  return [...totals];
}

/** Writes the profile under bench/results/ (ignored by git); returns its path. */
export function saveProfile(name: string, profile: CpuProfile): string {
  const dir = path.join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  return path.relative(process.cwd(), file);
}
