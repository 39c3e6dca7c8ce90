import { createHmac } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { recordEvents } from '../support/events';
import { startTestServer } from '../support/server';
import { alertSubscriptions, metricValue } from '../support/metrics';
import {
  alertsAfter,
  evaluatedUpToHead,
  listAlerts,
  newTenant,
  pastHour,
  sentinelEvent,
  waitForAlerts,
  waitUntil,
} from './alert-support';
import { webhookReceiver } from './webhook-receiver';

const escalation = (i: number) => ({ ...sentinelEvent(), actor: { id: `escalator-${i}` } });
const failures = (actor: string) => Array.from({ length: 5 }, () => ({ actor: { id: actor }, action: 'LOGIN_FAILED' }));

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

it('raises each alert once with two instances evaluating the same tenant', async () => {
  const [a, b] = [await startTestServer({ database }), await startTestServer({ database })];
  try {
    const tenant = await newTenant();
    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 20; i++) {
      const server = i % 2 === 0 ? a : b;
      writes.push(recordEvents(server, tenant.service, [escalation(i), ...failures(`fail-${i}`)]));
    }
    await Promise.all(writes);
    const alerts = await waitForAlerts(a, tenant.admin, (all) => all.length >= 40);
    await evaluatedUpToHead(a, tenant.org); // every event evaluated: nothing more may come of them
    const after = await listAlerts(b, tenant.admin);
    expect(after).toHaveLength(40);
    expect(new Set(after.map((alert) => `${alert.rule.key}/${alert.actorId}`)).size).toBe(40);
    expect(alerts.length).toBe(40);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}, 30_000); // two servers started, 20 concurrent batches evaluated by both: about 7 s alone, twice that under load

it('catches up after a restart with the events recorded while no detector ran', async () => {
  const tenant = await newTenant();
  const writer = await startTestServer({ database, env: { ALERT_DETECTORS: 'off' } });
  await recordEvents(writer, tenant.service, [escalation(1), ...failures('late')]);
  // A commit wakes the evaluator before recordAuditEvents answers: none was woken, and no other replica runs.
  expect(await metricValue(writer, 'audit_alert_evaluation_wakes_total')).toBe(0);
  expect(await listAlerts(writer, tenant.admin)).toHaveLength(0);
  await writer.stop();
  const restarted = await startTestServer({ database });
  try {
    const alerts = await waitForAlerts(restarted, tenant.admin, (all) => all.length >= 2);
    expect(alerts.map((alert) => alert.rule.key).sort()).toEqual(['multiple-failed-logins', 'permission-escalation']);
  } finally {
    await restarted.stop();
  }
});

it('POSTs each alert to its webhook, signed, retrying with backoff across a restart until accepted', async () => {
  const hook = await webhookReceiver();
  const env = {
    ALERT_WEBHOOK_SECRET: 'hook-secret',
    ALERT_WEBHOOK_RETRY_BASE_MS: '100',
    ALERT_WEBHOOK_POLL_MS: '50',
    OUTBOUND_ALLOWED_HOSTS: hook.host,
  };
  const tenant = await newTenant();
  const first = await startTestServer({ database, env });
  const create = `mutation C($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`;
  const input = { name: 'any export', severity: 'CRITICAL', match: 'action:EXPORT', webhookUrl: hook.url };
  expect((await first.graphql(create, { input }, tenant.admin)).errors).toBeUndefined();
  const [alert] = await alertsAfter(first, tenant, [
    { actor: { id: 'exporter' }, action: 'EXPORT', metadata: { recordCount: 3 } },
  ]);
  await waitUntil(
    () => hook.attempts() >= 2,
    () => `${hook.attempts()} attempts`,
  );
  await first.stop();
  hook.answer = { status: 204 };
  const second = await startTestServer({ database, env });
  try {
    await waitUntil(
      () => hook.received.length > 0,
      () => 'nothing received',
    );
    const [{ body, headers }] = hook.received;
    const timestamp = String(headers['x-audit-timestamp']);
    const expected = `sha256=${createHmac('sha256', 'hook-secret').update(`${timestamp}.${body}`).digest('hex')}`;
    expect(headers['x-audit-signature']).toBe(expected);
    expect(JSON.parse(body)).toMatchObject({
      alert: { id: alert.id, severity: 'CRITICAL', actorId: 'exporter', rule: { name: 'any export' } },
    });
    // Marked delivered: no attempt is left to make.
    await waitUntil(
      async () =>
        (
          await second.app.services.knex.raw(
            'SELECT 1 FROM alert_webhook_deliveries WHERE alert_id = ? AND delivered_at IS NOT NULL',
            [alert.id],
          )
        ).rows.length === 1,
      () => 'the delivery is not marked delivered',
    );
    expect(hook.received).toHaveLength(1);
  } finally {
    await second.stop();
    await hook.close();
  }
});

it('pushes alerts of at least minSeverity over auditAlertRaised, raised through another replica', async () => {
  const [a, b] = [await startTestServer({ database }), await startTestServer({ database })];
  const tenant = await newTenant();
  const other = await newTenant();
  const received: Array<{ severity: string; actorId: string; rule: { key: string } }> = [];
  const client = createClient({
    url: `${b.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { Authorization: `Bearer ${tenant.admin}` },
  });
  try {
    client.subscribe<{ auditAlertRaised: (typeof received)[number] }>(
      {
        query:
          'subscription { auditAlertRaised(minSeverity: MEDIUM) { id severity actorId rule { key } events { id } } }',
      },
      {
        next: (message) => message.data && received.push(message.data.auditAlertRaised),
        error: (error) => received.push({ severity: 'ERROR', actorId: JSON.stringify(error), rule: { key: '' } }),
        complete: () => undefined,
      },
    );
    await alertSubscriptions(b, 1);
    const night = pastHour(2);
    await recordEvents(a, other.service, [escalation(99)]);
    await recordEvents(a, tenant.service, [
      { actor: { id: 'owl' }, action: 'LOGIN', occurredAt: night.toISOString() },
      escalation(7),
    ]);
    // Alerts are pushed in the order they are raised: once the last one is there, none before it is still coming.
    await evaluatedUpToHead(a, other.org);
    await recordEvents(a, tenant.service, [escalation(8)]);
    await waitUntil(
      () => received.some((alert) => alert.actorId === 'escalator-8'),
      () => JSON.stringify(received),
    );
    expect(received).toEqual([
      expect.objectContaining({ severity: 'HIGH', actorId: 'escalator-7', rule: { key: 'permission-escalation' } }),
      expect.objectContaining({ severity: 'HIGH', actorId: 'escalator-8', rule: { key: 'permission-escalation' } }),
    ]);
  } finally {
    await client.dispose();
    await Promise.all([a.stop(), b.stop()]);
  }
});
