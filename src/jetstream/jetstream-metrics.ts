import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How far behind the shared consumer is, as JetStream counts it. */
export interface ConsumerLag {
  /** Messages in the stream not yet delivered to any replica. */
  pending: number;
  /** Delivered to a replica, neither acknowledged nor refused yet. */
  ackPending: number;
  /** Redelivered and still unacknowledged. */
  redelivered: number;
}

/** The JetStream ingest path's metrics, on the server's registry. */
export class JetStreamMetrics {
  readonly messages: Counter<'outcome'>;
  readonly events: Counter<'outcome'>;
  readonly redeliveries: Counter;
  readonly publishToCommit: Histogram;

  constructor(registry: Registry, lag: () => Promise<ConsumerLag | null>) {
    const registers = [registry];
    this.messages = new Counter({
      name: 'audit_jetstream_messages_total',
      help: 'Messages taken from the stream, by outcome: committed (acknowledged after their commit), rejected (republished on <prefix>.rejected.<tenant>), retried (refused for a later redelivery: the database failed)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.events = new Counter({
      name: 'audit_jetstream_events_total',
      help: 'Events of committed messages: stored, or duplicate (already stored under that id, e.g. a redelivery after a commit whose ack was lost)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.redeliveries = new Counter({
      name: 'audit_jetstream_redeliveries_total',
      help: 'Messages this replica received that had been delivered before (ack lost, replica crashed, database down)',
      registers,
    });
    this.publishToCommit = new Histogram({
      name: 'audit_jetstream_publish_to_commit_seconds',
      help: 'From the message’s storage in the stream to the commit of its events',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const lagGauge = (name: string, help: string, pick: (lag: ConsumerLag) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const current = await lag();
          if (current) this.set(pick(current));
        },
      });
    lagGauge(
      'audit_jetstream_pending_messages',
      'Lag: messages in the stream not yet delivered to a replica of the shared consumer',
      (lag) => lag.pending,
    );
    lagGauge(
      'audit_jetstream_ack_pending_messages',
      'Messages delivered to a replica and not yet acknowledged',
      (lag) => lag.ackPending,
    );
    lagGauge(
      'audit_jetstream_redelivered_pending_messages',
      'Messages redelivered and not yet acknowledged',
      (lag) => lag.redelivered,
    );
  }
}
