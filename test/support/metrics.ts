import type { TestServer } from './server';

/**
 * The value of a metric on `server`'s /metrics, summed over the series whose labels include `labels`
 * (0 when none is reported yet).
 */
export async function metricValue(
  server: TestServer,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const series = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => series.includes(`${key}="${value}"`))) sum += Number(match[3]);
  }
  return sum;
}

export interface MetricWait {
  labels?: Record<string, string>;
  timeoutMs?: number;
  /** Stops waiting (the promise rejects) once aborted. */
  signal?: AbortSignal;
}

/** Polls `server`'s /metrics until `name` (over `labels`) satisfies `check`; fails naming the last value. */
export async function waitForMetric(
  server: TestServer,
  name: string,
  check: (value: number) => boolean,
  { labels = {}, timeoutMs = 5000, signal }: MetricWait = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const value = await metricValue(server, name, labels);
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting on ${name}${JSON.stringify(labels)}: still ${value}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Resolves once `server` has exactly `count` auditEventRecorded subscriptions joined to their feeds: from then on
 * each of them has its starting sequence and receives every matching event committed afterwards. Exactly, not at least: a subscription of an
 * earlier test that the server has not yet seen go does not count as a new one.
 */
export const liveSubscriptions = (server: TestServer, count: number, wait: MetricWait = {}) =>
  waitForMetric(server, 'audit_live_subscriptions', (value) => value === count, wait);

/** Resolves once `server` has exactly `count` auditAlertRaised subscribers. */
export const alertSubscriptions = (server: TestServer, count: number, wait: MetricWait = {}) =>
  waitForMetric(server, 'audit_alert_subscriptions', (value) => value === count, wait);
