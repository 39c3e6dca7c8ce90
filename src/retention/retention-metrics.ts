import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../observability/metrics';

export interface RetentionMetrics {
  archived: Counter;
  deleted: Counter;
  lastRun: Gauge;
  lastDuration: Gauge;
}

export function retentionMetrics(metrics: Metrics): RetentionMetrics {
  const registers = [metrics.registry];
  return {
    archived: new Counter({ name: 'audit_retention_archived_total', help: 'Events moved to the archive', registers }),
    deleted: new Counter({
      name: 'audit_retention_deleted_total',
      help: 'Archived events deleted after their grace period',
      registers,
    }),
    lastRun: new Gauge({
      name: 'audit_retention_last_run_timestamp_seconds',
      help: 'When the last retention run ended',
      registers,
    }),
    lastDuration: new Gauge({
      name: 'audit_retention_last_run_duration_seconds',
      help: 'How long the last retention run took',
      registers,
    }),
  };
}
