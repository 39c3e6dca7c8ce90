/**
 * Live fan-out: N subscribers on one instance, events written at a steady rate, and next to it a
 * raw `ws` broadcast of the same payloads to N plain sockets, from the same process. For each N,
 * searches (in bounded steps) the highest rate each path sustains, printing every phase, then a
 * table for the README. First, live and raw alternately at issue 4's target load (1,000 × 100 ev/s).
 * Loopback only; the clients run in a child process.
 *   npm run bench:fanout
 *   BENCH_FANOUT="1000@100,5000@20"  subscribers@first rate tried (the search doubles, then bisects)
 *   BENCH_SECONDS=5 BENCH_SEARCH_STEPS=5 BENCH_MAX_P99_MS=500 BENCH_MODES=live,raw BENCH_TARGET_PAIRS=3
 */
import { randomBytes } from 'node:crypto';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres';
import { startBenchServer } from '../support/server';
import { intFromEnv, machine } from '../support/stats';
import { signBenchToken } from '../support/tokens';
import { runPhase, type FanoutRig, type PhaseResult } from './fanout-phase';
import { phaseLine, summaryTable, targetLines } from './fanout-report';
import { startRawBroadcast } from './raw-broadcast';
import { searchHighestSustained, sustained, type SearchResult } from './rate-search';

const SECONDS = intFromEnv('BENCH_SECONDS', 5);
const STEPS = intFromEnv('BENCH_SEARCH_STEPS', 5);
const MAX_P99_MS = intFromEnv('BENCH_MAX_P99_MS', 500);
const PLAN = (process.env.BENCH_FANOUT || '1000@100,5000@20').split(',').map((s) => s.split('@').map(Number));
const MODES = (process.env.BENCH_MODES || 'live,raw').split(',') as Array<'live' | 'raw'>;
const TARGET_PAIRS = Number(process.env.BENCH_TARGET_PAIRS ?? 3);

async function main(): Promise<void> {
  const name = `audit_bench_fanout_${randomBytes(4).toString('hex')}`;
  await createDatabase(name);
  const server = await startBenchServer(databaseUrl(name));
  const raw = await startRawBroadcast();
  const rig: FanoutRig = {
    server,
    raw,
    service: await signBenchToken({ org: 'bench', role: 'SERVICE', sub: 'bench-writer' }),
    admin: await signBenchToken({ org: 'bench', role: 'ADMIN', sub: 'bench-admin' }),
    seconds: SECONDS,
  };
  console.log(`fan-out bench on ${machine()}; ${SECONDS} s per phase, at most ${STEPS} phases per search`);
  const searches: SearchResult[] = [];
  const pairs: Array<[PhaseResult, PhaseResult]> = [];
  const run = async (mode: 'live' | 'raw', subscribers: number, rate: number) => {
    const result = await runPhase(rig, mode, subscribers, rate);
    console.log(phaseLine(result, sustained(result, MAX_P99_MS)));
    return result;
  };
  try {
    for (let pair = 0; pair < TARGET_PAIRS; pair += 1)
      pairs.push([await run('live', 1000, 100), await run('raw', 1000, 100)]);
    for (const [subscribers, start] of PLAN) {
      for (const mode of MODES) {
        const search = (rate: number) => run(mode, subscribers, rate);
        searches.push(await searchHighestSustained(search, (r) => sustained(r, MAX_P99_MS), start, STEPS));
      }
    }
  } finally {
    raw.close();
    await server.stop();
    await dropDatabase(name);
  }
  console.log(`\n${targetLines(pairs, MAX_P99_MS)}\n\n${summaryTable(searches, MAX_P99_MS)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
