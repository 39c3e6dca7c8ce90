import { AlertCheckpointSchema } from './evaluation/alert-checkpoint.entity';
import { AlertRuleSchema } from './rules/alert-rule.entity';
import { AlertEventSchema, AlertSchema } from './storage/alert.entity';
import { WebhookDeliverySchema } from './webhooks/webhook-delivery.entity';

/** Registered in src/db/database.ts. */
export const alertEntities = [
  AlertRuleSchema,
  AlertSchema,
  AlertEventSchema,
  AlertCheckpointSchema,
  WebhookDeliverySchema,
];
