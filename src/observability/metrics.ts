import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The process's Prometheus metrics; one registry per server so that tests can run several. */
export class Metrics {
  readonly registry = new Registry();

  readonly eventsWritten = new Counter({
    name: 'audit_events_written_total',
    help: 'Audit events stored (duplicates excluded)',
    registers: [this.registry],
  });

  readonly eventDuplicates = new Counter({
    name: 'audit_event_duplicates_total',
    help: 'Events sent again with an id already stored, and not stored twice',
    registers: [this.registry],
  });

  readonly batches = new Counter({
    name: 'audit_event_batches_total',
    help: 'recordAuditEvents calls by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly writeDuration = new Histogram({
    name: 'audit_event_write_duration_seconds',
    help: 'Time to validate and store one batch',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly rejectedInputs = new Counter({
    name: 'audit_rejected_inputs_total',
    help: 'Requests refused for bad input, by argument kind',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor({ defaultMetrics = true } = {}) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
