import type { Principal } from '../../src/auth/principal';
import { recordEvents, type EventWriter } from '../../src/events/record-events';
import { findEvent } from '../../src/reading/event-reader';
import type { SeedTarget } from './seed-demo';

/** The service principal the seed writes as (SERVICE may give each event's tenantId). */
export const SEED_PRINCIPAL: Principal = {
  subject: 'demo-seed',
  tenantId: 'demo',
  role: 'SERVICE',
  email: null,
  expiresAt: Number.MAX_SAFE_INTEGER,
};

/** Through the same write path as `recordAuditEvents` (validation, hash chain, live announcement), in-process. */
export function writePathTarget(writer: EventWriter): SeedTarget {
  return {
    async occurredAtOf(tenant, id) {
      return (await findEvent(writer.knex, writer.sealed, tenant, id))?.occurredAt ?? null;
    },
    write: (events) => recordEvents(writer, SEED_PRINCIPAL, events),
  };
}

/** Through a running server's GraphQL endpoint: a SERVICE token writes, an ADMIN token of the tenant reads. */
export function graphqlTarget(endpoint: string, tokens: { service: string; admin: string }): SeedTarget {
  const call = async <T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
    if (body.errors?.length)
      throw new Error(`the seed request failed: ${body.errors.map((e) => e.message).join('; ')}`);
    if (!body.data) throw new Error(`the seed request failed: HTTP ${response.status}`);
    return body.data;
  };
  return {
    async occurredAtOf(_tenant, id) {
      const query = 'query ($id: ID!) { auditEvent(id: $id) { occurredAt } }';
      const data = await call<{ auditEvent: { occurredAt: string } | null }>(query, { id }, tokens.admin);
      return data.auditEvent ? new Date(data.auditEvent.occurredAt) : null;
    },
    async write(events) {
      const mutation =
        'mutation ($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { recorded duplicates } }';
      type Payload = { recordAuditEvents: { recorded: number; duplicates: number } };
      return (await call<Payload>(mutation, { events }, tokens.service)).recordAuditEvents;
    },
  };
}
