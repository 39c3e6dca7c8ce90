import type { TestServer } from './server';

export const RECORD_MUTATION = `mutation Record($events: [AuditEventInput!]!) {
  recordAuditEvents(events: $events) { recorded duplicates events { id sequence occurredAt } }
}`;

/** Records events through the public mutation, in batches of up to 1000; returns the stored ids in order. */
export async function recordEvents(
  server: TestServer,
  token: string,
  events: Array<Record<string, unknown>>,
): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < events.length; start += 1000) {
    const response = await server.graphql(RECORD_MUTATION, { events: events.slice(start, start + 1000) }, token);
    if (response.errors) throw new Error(`recording failed: ${JSON.stringify(response.errors)}`);
    ids.push(...response.data!.recordAuditEvents.events.map((event: { id: string }) => event.id));
  }
  return ids;
}
