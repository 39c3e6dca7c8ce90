import { settle } from '../support/cpu';
import type { BenchServer } from '../support/server';
import { ClientPool } from './fanout-client-pool';
import { merge, newHistogram, quantileMs } from './latency-histogram';
import { startCpuSplit, type CpuSplit } from './cpu-split';
import type { RawBroadcast } from './raw-broadcast';
import { bucketQuantileMs, commitToSendBuckets } from './server-histogram';
import { writeSteadily } from './steady-writer';

/** After the last write, how long the clients may take to receive everything before it counts as lost. */
const DRAIN_MS = 3000;

export interface FanoutRig {
  server: BenchServer;
  raw: RawBroadcast;
  service: string;
  admin: string;
  seconds: number;
}

export interface PhaseResult {
  mode: 'live' | 'raw';
  subscribers: number;
  rate: number;
  deliveriesPerSecond: number;
  /** Commit (recordedAt) to client, measured by the clients. */
  p50: number;
  p99: number;
  lost: number;
  outOfOrder: number;
  cpu: CpuSplit;
  /** Live only: the server's commit-to-send histogram, as bucket bounds. */
  serverP50: string;
  serverP99: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fresh clients each phase: a phase that fell behind leaves nothing in flight for the next one. */
export async function runPhase(
  rig: FanoutRig,
  mode: 'live' | 'raw',
  subscribers: number,
  rate: number,
): Promise<PhaseResult> {
  const url = mode === 'live' ? `${rig.server.url.replace('http', 'ws')}/graphql` : rig.raw.url;
  const clients = await ClientPool.open({ url, mode, count: subscribers, token: rig.admin });
  try {
    await sleep(500); // subscribing is asynchronous: let every subscription join its feed
    await settle({ maxMs: 5000 }); // and let the server finish what the previous phase started
    await clients.reset();
    const registry = rig.server.app.services.metrics.registry;
    const buckets = await commitToSendBuckets(registry);
    const cpuSplit = startCpuSplit();
    const events = await writeSteadily(
      rig.server,
      rig.service,
      rate,
      rig.seconds,
      mode === 'raw' ? rig.raw.broadcast : () => undefined,
    );
    for (const deadline = Date.now() + DRAIN_MS; Date.now() < deadline; await sleep(100))
      if ((await clients.delivered()) >= subscribers * events) break;
    const report = await clients.report();
    const serverBuckets = await commitToSendBuckets(registry);
    const histogram = newHistogram();
    merge(histogram, report.histogram);
    return {
      mode,
      subscribers,
      rate,
      deliveriesPerSecond: report.total / rig.seconds,
      p50: quantileMs(histogram, 0.5),
      p99: quantileMs(histogram, 0.99),
      lost: subscribers * events - report.total,
      outOfOrder: report.outOfOrder,
      cpu: cpuSplit(report.cpuSeconds),
      serverP50: mode === 'live' ? bucketQuantileMs(buckets, serverBuckets, 0.5) : '-',
      serverP99: mode === 'live' ? bucketQuantileMs(buckets, serverBuckets, 0.99) : '-',
    };
  } finally {
    await clients.close();
    await sleep(500); // let the server close its side of the sockets
  }
}
