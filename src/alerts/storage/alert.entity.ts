import { EntitySchema } from '@mikro-orm/core';
import type { AlertSeverity, AlertStatus } from '../alert-enums';

/** A raised alert; its events are in `alert_events`. */
export interface AlertEntity {
  id: string;
  /** Global raising order: the live feed's and the pagination's cursor. */
  serial: string;
  tenantId: string;
  ruleId: string;
  severity: AlertSeverity;
  severityRank: number;
  status: AlertStatus;
  raisedAt: Date;
  actorId: string | null;
  groupKey: string;
  summary: string;
  windowStart: Date;
  windowEnd: Date;
  dedupeKey: string;
  note: string | null;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export const AlertSchema = new EntitySchema<AlertEntity>({
  name: 'AlertEntity',
  tableName: 'alerts',
  properties: {
    id: { type: 'uuid', primary: true },
    serial: { type: 'bigint' },
    tenantId: { type: 'string' },
    ruleId: { type: 'uuid' },
    severity: { type: 'string' },
    severityRank: { type: 'smallint' },
    status: { type: 'string' },
    raisedAt: { type: 'datetime' },
    actorId: { type: 'string', nullable: true },
    groupKey: { type: 'string' },
    summary: { type: 'string' },
    windowStart: { type: 'datetime' },
    windowEnd: { type: 'datetime' },
    dedupeKey: { type: 'string' },
    note: { type: 'string', nullable: true },
    acknowledgedAt: { type: 'datetime', nullable: true },
    acknowledgedBy: { type: 'string', nullable: true },
    resolvedAt: { type: 'datetime', nullable: true },
    resolvedBy: { type: 'string', nullable: true },
  },
});
