import { fmt, fmtInt } from '../support/stats';
import type { PhaseResult } from './fanout-phase';
import { sustained, type SearchResult } from './rate-search';

const cpuFigures = ({ cpu }: PhaseResult) => `${cpu.server} / ${cpu.clients} / ${cpu.postgres} / ${cpu.machine}`;

const pathName = (mode: PhaseResult['mode']) => (mode === 'live' ? 'live (graphql-ws)' : 'raw ws broadcast');

/** One line per phase, as it finishes. */
export function phaseLine(r: PhaseResult, passed: boolean): string {
  return (
    `${r.mode.padEnd(4)} ${fmtInt(r.subscribers).padStart(5)} subs × ${fmtInt(r.rate).padStart(4)} ev/s: ` +
    `${fmtInt(r.deliveriesPerSecond).padStart(9)} deliveries/s, client p50/p99 ${fmt(r.p50)}/${fmt(r.p99)} ms, ` +
    `server p50/p99 ${r.serverP50}/${r.serverP99} ms, lost ${fmtInt(r.lost)}, out of order ${r.outOfOrder}, ` +
    `CPU server/clients/pg/machine ${cpuFigures(r)}% ${passed ? 'ok' : 'NOT SUSTAINED'}`
  );
}

/** The README table: for each search, the highest rate sustained and its figures. */
export function summaryTable(searches: SearchResult[], maxP99Ms: number): string {
  const rows = searches.map(({ best, tried }) => {
    const failedAbove = tried.filter((t) => !best || t.rate > best.rate).map((t) => t.rate);
    const limit = failedAbove.length ? ` (not ${fmtInt(Math.min(...failedAbove))})` : ' (highest tried)';
    if (!best)
      return `| ${fmtInt(tried[0].subscribers)} | ${pathName(tried[0].mode)} | none of ${tried.map((t) => t.rate).join(', ')} | | | | |`;
    return (
      `| ${fmtInt(best.subscribers)} | ${pathName(best.mode)} | ${fmtInt(best.rate)}${limit} | ${fmtInt(best.deliveriesPerSecond)} | ` +
      `${fmt(best.p50)} / ${fmt(best.p99)} | ${best.serverP50} / ${best.serverP99} | ${cpuFigures(best)} |`
    );
  });
  return [
    `Highest sustained rate (every event delivered in order, client p99 ≤ ${maxP99Ms} ms):`,
    '',
    '| subscribers | path | events/s | deliveries/s | client p50 / p99 ms | server p50 / p99 ms | CPU % server / clients / PostgreSQL / machine |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/**
 * Issue 4's target, from live and raw phases run alternately at 1,000 subscribers × 100 ev/s (so
 * that both see the same load from whatever else shares the machine): nothing lost, in order, and
 * live p99 under 5× raw p99, on the median of the pairs' ratios. A pair whose raw baseline did not
 * keep up itself (the machine was saturated) says nothing about the ratio and is left out.
 */
export function targetLines(pairs: Array<[PhaseResult, PhaseResult]>, maxP99Ms: number): string {
  const valid = pairs.filter(([, raw]) => sustained(raw, maxP99Ms));
  const ratios = valid.map(([live, raw]) => live.p99 / raw.p99).sort((a, b) => a - b);
  const median = ratios[Math.floor((ratios.length - 1) / 2)];
  const complete = pairs.every(([live]) => live.lost === 0 && live.outOfOrder === 0);
  const verdict =
    valid.length === 0 ? 'INCONCLUSIVE (the raw baseline never kept up)' : complete && median < 5 ? 'MET' : 'NOT MET';
  const lines = pairs.map(
    ([live, raw], n) =>
      `  pair ${n + 1}: live p50/p99 ${fmt(live.p50)}/${fmt(live.p99)} ms, raw ${fmt(raw.p50)}/${fmt(raw.p99)} ms, ` +
      `ratio ${fmt(live.p99 / raw.p99, 2)}×, live lost ${fmtInt(live.lost)}, out of order ${live.outOfOrder}, ` +
      `machine CPU ${live.cpu.machine}/${raw.cpu.machine}%${sustained(raw, maxP99Ms) ? '' : ' (raw did not keep up: left out)'}`,
  );
  const summary = `Target (1,000 subscribers × 100 ev/s; live p99 < 5× raw p99, nothing lost): ${verdict}`;
  return [median === undefined ? summary : `${summary}, median ratio ${fmt(median, 2)}×`, ...lines].join('\n');
}
