import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The live feed's metrics, on the server's registry. */
export class LiveMetrics {
  readonly connections: Gauge;
  readonly subscriptions: Gauge;
  readonly eventsPushed: Counter;
  readonly subscriptionsDropped: Counter<'reason'>;
  readonly commitToSend: Histogram;
  readonly operationsStarted: Counter<'field'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.connections = new Gauge({ name: 'audit_live_connections', help: 'Open WebSocket connections', registers });
    this.subscriptions = new Gauge({
      name: 'audit_live_subscriptions',
      help: 'Active auditEventRecorded subscriptions',
      registers,
    });
    this.eventsPushed = new Counter({
      name: 'audit_live_events_pushed_total',
      help: 'Events sent to subscribers',
      registers,
    });
    this.subscriptionsDropped = new Counter({
      name: 'audit_live_subscriptions_dropped_total',
      help: 'Subscriptions ended by the server, by reason (slow consumer, token expired, shutdown)',
      labelNames: ['reason'] as const,
      registers,
    });
    this.commitToSend = new Histogram({
      name: 'audit_live_commit_to_send_seconds',
      help: 'From the commit of an event to its hand-over to a subscriber socket',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.operationsStarted = new Counter({
      name: 'audit_ws_operations_started_total',
      help: 'Operations over WebSocket that were admitted and began to stream, by root field',
      labelNames: ['field'] as const,
      registers,
    });
  }
}
