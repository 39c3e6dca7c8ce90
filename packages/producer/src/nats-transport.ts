import { RejectedBatchError, type AuditTransport } from './transport';
import type { AuditEventInput } from './types';

/** What the transport needs of a JetStream client (`jetstream(connection)` of `@nats-io/jetstream` v3). */
export interface JetStreamPublisher {
  publish(subject: string, payload: string, options?: { msgID?: string }): Promise<unknown>;
}

export interface NatsTransportOptions {
  js: JetStreamPublisher;
  /** The subgraph's NATS_SUBJECT_PREFIX: events go to `<prefix>.events.<tenantId>`. */
  subjectPrefix?: string;
  /** The tenant of events that name none (the subject must name one). */
  tenantId?: string;
}

/**
 * Publishes each batch on JetStream, one message per tenant (an array of its events). The
 * subgraph stores them when it can, even if it is down now; what it can never store is
 * republished on `<prefix>.rejected.<tenantId>`, not reported here.
 */
export function natsTransport({ js, subjectPrefix = 'audit', tenantId }: NatsTransportOptions): AuditTransport {
  return {
    async send(events) {
      const byTenant = new Map<string, AuditEventInput[]>();
      for (const event of events) {
        const tenant = event.tenantId ?? tenantId;
        if (!tenant) throw new RejectedBatchError('an event names no tenant, and the transport has no tenantId');
        const batch = byTenant.get(tenant);
        const stamped = event.tenantId === tenant ? event : { ...event, tenantId: tenant };
        if (batch) batch.push(stamped);
        else byTenant.set(tenant, [stamped]);
      }
      await Promise.all(
        [...byTenant].map(([tenant, batch]) =>
          // The message id lets JetStream drop a retried publish it already has.
          js.publish(`${subjectPrefix}.events.${tenant}`, JSON.stringify(batch), {
            msgID: `${batch[0].id}+${batch.length}`,
          }),
        ),
      );
    },
  };
}
