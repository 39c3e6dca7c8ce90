import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { toDate } from '../../db/timestamps';
import { DateTimeScalar } from '../../schema/scalars';

export enum AlertWebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}

registerEnumType(AlertWebhookDeliveryStatus, {
  name: 'AlertWebhookDeliveryStatus',
  description: 'PENDING until the endpoint answers 2xx (DELIVERED) or the last allowed attempt fails (FAILED).',
});

@ObjectType({
  description: 'The signed POST of an alert to its rule’s webhook. Redirects are not followed: a 3xx is a failure.',
})
export class AlertWebhookDelivery {
  @Field(() => AlertWebhookDeliveryStatus) status!: AlertWebhookDeliveryStatus;
  @Field(() => Int, { description: 'Attempts made so far (ALERT_WEBHOOK_MAX_ATTEMPTS at most).' }) attempts!: number;
  @Field(() => Int, { nullable: true, description: 'The HTTP status of the last attempt, if one came back.' })
  lastStatus!: number | null;
  @Field(() => String, { nullable: true, description: 'Why the last attempt failed.' }) lastError!: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'While PENDING: when the next attempt is due.' })
  nextAttemptAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) deliveredAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) failedAt!: Date | null;
}

/** A row of `alert_webhook_deliveries`, as the alert loaders read it. */
export interface DeliveryRow {
  alert_id: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: string | Date;
  delivered_at: string | Date | null;
  failed_at: string | Date | null;
}

export function toWebhookDelivery(row: DeliveryRow): AlertWebhookDelivery {
  const deliveredAt = row.delivered_at === null ? null : toDate(row.delivered_at);
  const failedAt = row.failed_at === null ? null : toDate(row.failed_at);
  const status = deliveredAt
    ? AlertWebhookDeliveryStatus.DELIVERED
    : failedAt
      ? AlertWebhookDeliveryStatus.FAILED
      : AlertWebhookDeliveryStatus.PENDING;
  return {
    status,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    nextAttemptAt: status === AlertWebhookDeliveryStatus.PENDING ? toDate(row.next_attempt_at) : null,
    deliveredAt,
    failedAt,
  };
}
