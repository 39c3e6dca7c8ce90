/**
 * A producer in a process of its own (as producers are other services): records RATE events a
 * second for DURATION_S seconds through the producer package's client on JetStream, in ticks of
 * 10 ms, then reports over IPC how many it published and in how long.
 */
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { AuditClient, natsTransport } from '../../packages/producer/src';
import { makeEvents } from '../ingest/events';

const TICK_MS = 10;

async function main(): Promise<void> {
  const rate = Number(process.env.RATE);
  const seconds = Number(process.env.DURATION_S);
  const tenants = Number(process.env.TENANTS);
  const nc = await connect({ servers: process.env.NATS_URL! });
  const client = new AuditClient({
    transport: natsTransport({ js: jetstream(nc), subjectPrefix: process.env.PREFIX! }),
    maxBatchSize: 100,
    flushIntervalMs: 20,
    maxQueuedEvents: 100_000,
  });
  const perTick = (rate * TICK_MS) / 1000;
  const started = performance.now();
  let recorded = 0;
  for (let tick = 0; performance.now() - started < seconds * 1000; tick++) {
    const due = Math.round(((performance.now() - started) / 1000) * rate) - recorded;
    if (due > 0) {
      // Each event's time is when it is recorded, so that the store's recorded_at minus it is the whole way.
      for (const event of makeEvents(1_000_000 + tick, `latency-tenant-${tick % tenants}`, due))
        client.record({ ...event, occurredAt: new Date() });
      recorded += due;
    }
    const next = started + (tick + 1) * TICK_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  const elapsed = (performance.now() - started) / 1000;
  await client.close({ timeoutMs: 30_000 });
  await nc.drain();
  process.send!({ recorded, seconds: elapsed, perTick, stats: client.stats() });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
