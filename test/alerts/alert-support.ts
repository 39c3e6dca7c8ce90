import { randomUUID } from 'node:crypto';
import { recordEvents } from '../support/events';
import type { TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

export const ALERTS = `query Alerts($status: AlertStatus, $minSeverity: AlertSeverity, $first: Int, $after: String) {
  alerts(status: $status, minSeverity: $minSeverity, first: $first, after: $after) {
    edges { cursor node { id tenantId severity status raisedAt actorId summary note
      rule { id key builtIn } events { id sequence action actor { id } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface AlertNode {
  id: string;
  severity: string;
  status: string;
  actorId: string | null;
  summary: string;
  note: string | null;
  rule: { id: string; key: string; builtIn: boolean };
  events: Array<{ id: string; sequence: string; action: string; actor: { id: string } }>;
}

/** A tenant of its own per test, so that tests do not see each other's alerts. */
export async function newTenant(): Promise<{ org: string; admin: string; service: string }> {
  const org = `org-${randomUUID().slice(0, 8)}`;
  return { org, admin: await adminToken(org), service: await serviceToken(org) };
}

export async function listAlerts(
  server: TestServer,
  admin: string,
  variables: Record<string, unknown> = {},
): Promise<AlertNode[]> {
  // Each test's tenant has a few alerts; a larger page with every alert's events is over the cost limit.
  const response = await server.graphql(ALERTS, { first: 50, ...variables }, admin);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!.alerts.edges.map((edge: { node: AlertNode }) => edge.node);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitForAlerts(
  server: TestServer,
  admin: string,
  check: (alerts: AlertNode[]) => boolean,
  timeoutMs = 15_000,
): Promise<AlertNode[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alerts = await listAlerts(server, admin);
    if (check(alerts)) return alerts;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for alerts; have ${JSON.stringify(alerts.map((a) => a.rule.key))}`);
    await sleep(100);
  }
}

/** A permission escalation by `sentinel`: once its alert is there, everything recorded before it was evaluated. */
export function sentinelEvent(at = new Date()): Record<string, unknown> {
  return {
    actor: { id: 'sentinel' },
    action: 'ROLE_CHANGE',
    occurredAt: at.toISOString(),
    entityType: 'User',
    entityId: `u-${randomUUID().slice(0, 6)}`,
    changes: [{ field: 'role', oldValue: 'USER', newValue: 'ADMIN' }],
  };
}

/** Records `events`, then a sentinel, and returns the alerts other than the sentinel's once it is raised. */
export async function alertsAfter(
  server: TestServer,
  tenant: { admin: string; service: string },
  events: Array<Record<string, unknown>>,
): Promise<AlertNode[]> {
  if (events.length > 0) await recordEvents(server, tenant.service, events);
  const [sentinelId] = await recordEvents(server, tenant.service, [sentinelEvent()]);
  const alerts = await waitForAlerts(server, tenant.admin, (all) =>
    all.some((alert) => alert.events.some((event) => event.id === sentinelId)),
  );
  return alerts.filter((alert) => alert.actorId !== 'sentinel');
}

/** The most recent Monday, at `hour`:`minute` UTC, at least a day ago. */
export function lastMonday(hour: number, minute = 0): Date {
  const date = new Date(Date.now() - 24 * 3600_000);
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  date.setUTCHours(hour, minute, 0, 0);
  if (date.getTime() > Date.now() - 24 * 3600_000) date.setUTCDate(date.getUTCDate() - 7);
  return date;
}

export const minutesAfter = (start: Date, minutes: number) =>
  new Date(start.getTime() + minutes * 60_000).toISOString();
