/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by package (or project file),
 * and the heaviest functions by self and by inclusive time.
 *   ts-node --transpile-only bench/support/summarize-profile.ts <file.cpuprofile> [top=25] [focus-regex]
 * With focus-regex, only samples whose stack contains a matching function ("name file") count.
 */
import { readFileSync } from 'node:fs';
import { bucketOf, type CpuProfile } from './cpu-profile';

type Profile = CpuProfile;
type ProfileNode = CpuProfile['nodes'][number];

const file = process.argv[2];
const top = Number(process.argv[3] ?? 25);
const focus = process.argv[4] ? new RegExp(process.argv[4]) : null;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const label = (node: ProfileNode) =>
  `${node.callFrame.functionName || '(anonymous)'} ${bucketOf(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;

const selfByBucket = new Map<string, number>();
const selfByFn = new Map<string, number>();
const totalByFn = new Map<string, number>();
let total = 0;
let idle = 0;
profile.samples.forEach((id, index) => {
  const dt = profile.timeDeltas[index] / 1000;
  const node = byId.get(id)!;
  const name = node.callFrame.functionName;
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
    if (name === '(idle)') idle += dt;
    else selfByBucket.set(name, (selfByBucket.get(name) ?? 0) + dt);
    if (name !== '(idle)') total += dt;
    return;
  }
  const stack: ProfileNode[] = [];
  for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor))
    stack.push(byId.get(cursor)!);
  if (focus && !stack.some((frame) => focus.test(label(frame)))) return;
  total += dt;
  const bucket = bucketOf(node.callFrame.url);
  selfByBucket.set(bucket, (selfByBucket.get(bucket) ?? 0) + dt);
  selfByFn.set(label(node), (selfByFn.get(label(node)) ?? 0) + dt);
  for (const fn of new Set(stack.map(label))) totalByFn.set(fn, (totalByFn.get(fn) ?? 0) + dt);
});

const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [key, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${ms.toFixed(0).padStart(8)} ms ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
};
console.log(`busy ${total.toFixed(0)} ms, idle ${idle.toFixed(0)} ms${focus ? ` (focus ${focus})` : ''}`);
print('self time by package / file', selfByBucket);
print('self time by function', selfByFn);
print('inclusive time by function', totalByFn);
