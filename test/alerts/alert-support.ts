import { waitUntil } from '../support/wait';
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

export { waitUntil };

/**
 * Resolves once the alert checkpoint of `org` covers every event of `org` recorded so far: whatever these events
 * raise is stored by then (alerts and checkpoint are written in one transaction), and nothing more will come of them.
 */
export async function evaluatedUpToHead(server: TestServer, org: string): Promise<void> {
  const { knex } = server.app.services;
  const state = async () =>
    (
      await knex.raw(
        `SELECT (SELECT coalesce(max(sequence), 0) FROM audit_events WHERE tenant_id = ?) AS head,
                (SELECT coalesce(max(last_sequence), 0) FROM alert_checkpoints WHERE tenant_id = ?) AS evaluated`,
        [org, org],
      )
    ).rows[0] as { head: string; evaluated: string };
  let last = { head: '?', evaluated: '?' };
  await waitUntil(
    async () => {
      last = await state();
      return BigInt(last.evaluated) >= BigInt(last.head);
    },
    () => `alerts of ${org} evaluated up to ${last.evaluated} of ${last.head}`,
  );
}

export async function waitForAlerts(
  server: TestServer,
  admin: string,
  check: (alerts: AlertNode[]) => boolean,
  timeoutMs = 15_000,
): Promise<AlertNode[]> {
  let alerts: AlertNode[] = [];
  await waitUntil(
    async () => check((alerts = await listAlerts(server, admin))),
    () => `waiting for alerts; have ${JSON.stringify(alerts.map((alert) => alert.rule.key))}`,
    timeoutMs,
  );
  return alerts;
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

const DAY_MS = 24 * 3600_000;

/**
 * The most recent `weekday` (1 = Monday … 7 = Sunday, as business hours number them) at `hour`:`minute` UTC
 * that is at least `minDaysAgo` days before the real clock: in the past whatever the day and hour the tests
 * run at, far enough back that a few hours added to it stay in the past.
 */
export function pastWeekday(weekday: number, hour: number, minute = 0, minDaysAgo = 1, now = Date.now()): Date {
  const latest = now - minDaysAgo * DAY_MS;
  const date = new Date(latest);
  date.setUTCHours(hour, minute, 0, 0);
  const isoWeekday = ((date.getUTCDay() + 6) % 7) + 1;
  date.setUTCDate(date.getUTCDate() - ((isoWeekday - weekday + 7) % 7));
  if (date.getTime() > latest) date.setUTCDate(date.getUTCDate() - 7);
  return date;
}

/** The most recent Monday at `hour`:`minute` UTC at least a day ago. */
export const lastMonday = (hour: number, minute = 0): Date => pastWeekday(1, hour, minute);

/** The most recent Saturday at `hour`:`minute` UTC at least two days ago. */
export const lastSaturday = (hour: number, minute = 0): Date => pastWeekday(6, hour, minute, 2);

/** The most recent `hour`:00 UTC at least a day ago, whatever its weekday (a night for small hours). */
export function pastHour(hour: number, now = Date.now()): Date {
  const date = new Date(now - DAY_MS);
  date.setUTCHours(hour, 0, 0, 0);
  if (date.getTime() > now - DAY_MS) date.setUTCDate(date.getUTCDate() - 1);
  return date;
}

export const minutesAfter = (start: Date, minutes: number) =>
  new Date(start.getTime() + minutes * 60_000).toISOString();
