import { EntitySchema } from '@mikro-orm/core';

/** One alert to POST to one URL; kept until the endpoint accepts it or it is given up, so a restart loses none. */
export interface WebhookDeliveryEntity {
  id: string;
  alertId: string;
  tenantId: string;
  url: string;
  /** The JSON body, exactly as signed and sent. */
  payload: string;
  attempts: number;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  /** Set when the last allowed attempt failed too: no more are made. */
  failedAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
}

export const WebhookDeliverySchema = new EntitySchema<WebhookDeliveryEntity>({
  name: 'WebhookDeliveryEntity',
  tableName: 'alert_webhook_deliveries',
  properties: {
    id: { type: 'uuid', primary: true },
    alertId: { type: 'uuid' },
    tenantId: { type: 'string' },
    url: { type: 'string' },
    payload: { type: 'text' },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'datetime' },
    deliveredAt: { type: 'datetime', nullable: true },
    failedAt: { type: 'datetime', nullable: true },
    lastStatus: { type: 'integer', nullable: true },
    lastError: { type: 'string', nullable: true },
    createdAt: { type: 'datetime' },
  },
});
