import type { Registry } from 'prom-client';

const COMMIT_TO_SEND = 'audit_live_commit_to_send_seconds';

/** Cumulative counts per bucket upper bound (seconds), as prom-client keeps them. */
export type BucketCounts = Map<number, number>;

/**
 * The server's own commit-to-send histogram (commit to hand-over to the socket), read from its
 * registry: compared with what the clients measure, it tells server delay from client delay.
 */
export async function commitToSendBuckets(registry: Registry): Promise<BucketCounts> {
  const metric = registry.getSingleMetric(COMMIT_TO_SEND);
  const counts: BucketCounts = new Map();
  if (!metric) return counts;
  for (const { labels, value, metricName } of (await metric.get()).values as Array<{
    labels: { le?: string | number };
    value: number;
    metricName?: string;
  }>) {
    if (metricName?.endsWith('_bucket')) counts.set(labels.le === '+Inf' ? Infinity : Number(labels.le), value);
  }
  return counts;
}

/** The bucket bound under which the q-quantile falls, in ms, between two readings ("≤ 25"). */
export function bucketQuantileMs(before: BucketCounts, after: BucketCounts, q: number): string {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total === 0) return '-';
  for (const bound of bounds) {
    if ((after.get(bound) ?? 0) - (before.get(bound) ?? 0) >= q * total)
      return bound === Infinity ? `>${bounds[bounds.length - 2] * 1000}` : `≤${bound * 1000}`;
  }
  return '-';
}
