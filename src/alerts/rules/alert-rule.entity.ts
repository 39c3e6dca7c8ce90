import { EntitySchema } from '@mikro-orm/core';
import type { AlertGroupBy, AlertSeverity } from '../alert-enums';
import type { RuleSettings } from './built-in-rules';

/** One tenant's rule, built-in (tuned copy of a default) or custom. */
export interface AlertRuleEntity {
  id: string;
  tenantId: string;
  key: string;
  name: string;
  builtIn: boolean;
  enabled: boolean;
  severity: AlertSeverity;
  match: string | null;
  threshold: number;
  windowSeconds: number;
  groupBy: AlertGroupBy;
  webhookUrl: string | null;
  settings: RuleSettings;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

export const AlertRuleSchema = new EntitySchema<AlertRuleEntity>({
  name: 'AlertRuleEntity',
  tableName: 'alert_rules',
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'string' },
    key: { type: 'string' },
    name: { type: 'string' },
    builtIn: { type: 'boolean' },
    enabled: { type: 'boolean' },
    severity: { type: 'string' },
    match: { type: 'string', nullable: true },
    threshold: { type: 'integer' },
    windowSeconds: { type: 'integer' },
    groupBy: { type: 'string' },
    webhookUrl: { type: 'string', nullable: true },
    settings: { type: 'json' },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
    deletedAt: { type: 'datetime', nullable: true },
  },
});
