import { EntitySchema, type PrimaryKeyProp } from '@mikro-orm/core';
import type { AlertGroupBy, AlertSeverity } from '../alert-enums';
import type { RuleSettings } from './built-in-rules';

/** One tenant's rule, built-in (tuned copy of a default) or custom; keyed by tenant and id, like its table. */
export interface AlertRuleEntity {
  [PrimaryKeyProp]?: ['tenantId', 'id'];
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
  /** Its last editor lacked READ_PERSONAL_DATA: its webhook gets the masked summary. */
  maskPersonalData: boolean;
  settings: RuleSettings;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

export const AlertRuleSchema = new EntitySchema<AlertRuleEntity>({
  name: 'AlertRuleEntity',
  tableName: 'alert_rules',
  properties: {
    tenantId: { type: 'text', primary: true },
    id: { type: 'uuid', primary: true },
    key: { type: 'text' },
    name: { type: 'text' },
    builtIn: { type: 'boolean' },
    enabled: { type: 'boolean' },
    severity: { type: 'text' },
    match: { type: 'text', nullable: true },
    threshold: { type: 'integer' },
    windowSeconds: { type: 'integer' },
    groupBy: { type: 'text' },
    webhookUrl: { type: 'text', nullable: true },
    maskPersonalData: { type: 'boolean', default: false },
    settings: { type: 'json' },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
    deletedAt: { type: 'datetime', nullable: true },
  },
});
