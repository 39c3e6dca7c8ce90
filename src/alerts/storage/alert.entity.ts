import { EntitySchema, type PrimaryKeyProp } from '@mikro-orm/core';
import type { AlertSeverity, AlertStatus } from '../alert-enums';

/** A raised alert, keyed by tenant and id like its table; its events are in `alert_events`. */
export interface AlertEntity {
  [PrimaryKeyProp]?: ['tenantId', 'id'];
  id: string;
  /** Raising order (one sequence for all tenants, unique per tenant): the live feed's and the pagination's cursor. */
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
  /** For readers without READ_PERSONAL_DATA; null for alerts raised before it was kept. */
  maskedSummary: string | null;
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
    tenantId: { type: 'text', primary: true },
    id: { type: 'uuid', primary: true },
    serial: { type: 'bigint' },
    ruleId: { type: 'uuid' },
    severity: { type: 'text' },
    severityRank: { type: 'smallint' },
    status: { type: 'text' },
    raisedAt: { type: 'datetime' },
    actorId: { type: 'text', nullable: true },
    groupKey: { type: 'text' },
    summary: { type: 'text' },
    maskedSummary: { type: 'text', nullable: true },
    windowStart: { type: 'datetime' },
    windowEnd: { type: 'datetime' },
    dedupeKey: { type: 'text' },
    note: { type: 'text', nullable: true },
    acknowledgedAt: { type: 'datetime', nullable: true },
    acknowledgedBy: { type: 'text', nullable: true },
    resolvedAt: { type: 'datetime', nullable: true },
    resolvedBy: { type: 'text', nullable: true },
  },
});
