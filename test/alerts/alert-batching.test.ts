import type { Database } from '../../src/db/database';
import { openAuditDatabase } from '../../src/modules';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { ALERTS, newTenant, sentinelEvent, waitForAlerts, type AlertNode } from './alert-support';

const QUERY = ALERTS.replace('rule { id key builtIn }', 'rule { id key builtIn } webhookDelivery { status }');

const escalations = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ ...sentinelEvent(), actor: { id: `escalator-${i}` } }));
const failures = (actor: string) => Array.from({ length: 5 }, () => ({ actor: { id: actor }, action: 'LOGIN_FAILED' }));

let database: TestDatabase;
let raiser: TestServer;
let reader: TestServer;
let readerDb: Database;
beforeAll(async () => {
  database = await createTestDatabase();
  raiser = await startTestServer({ database });
  // Serves the reads over connections of its own, with nothing running in the background: every
  // statement its knex sends is the query's.
  readerDb = await openAuditDatabase({ url: database.url });
  reader = await startTestServer({
    database: { ...database, db: readerDb },
    // Every background worker of the reader quiet: its statements would count as the query's.
    env: {
      ALERT_DETECTORS: 'off',
      ALERT_WEBHOOK_POLL_MS: '3600000',
      ACCESS_LOG_FLUSH_MS: '3600000',
      CHECKPOINT_INTERVAL_SECONDS: '3600',
      RETENTION_INTERVAL: '0',
      STREAM_POLL_MS: '3600000',
      EXPORT_WORKER: 'false',
    },
  });
});
afterAll(async () => {
  await Promise.all([raiser?.stop(), reader?.stop()]);
  await readerDb?.close();
  await database?.drop();
});

/** A tenant with `count` escalation alerts and `count` failed-login alerts: two rules, several events each. */
async function tenantWithAlerts(count: number) {
  const tenant = await newTenant();
  await recordEvents(raiser, tenant.service, [
    ...escalations(count),
    ...Array.from({ length: count }, (_, i) => failures(`guesser-${i}`)).flat(),
  ]);
  await waitForAlerts(raiser, tenant.admin, (alerts) => alerts.length >= 2 * count);
  return tenant;
}

/** The page of alerts with rule, events and delivery, and the SQL statements the reader sent for it. */
async function pageWithStatements(admin: string): Promise<{ alerts: AlertNode[]; statements: string[] }> {
  const statements: string[] = [];
  const listener = (query: { sql: string }) => statements.push(query.sql);
  // The page goes through the ORM on the shared pool; the fields' loaders read on the read pool.
  const { knex, reads } = reader.app.services;
  knex.on('query', listener);
  reads.on('query', listener);
  try {
    const response = await reader.graphql(QUERY, { first: 50 }, admin);
    expect(response.errors).toBeUndefined();
    return { alerts: response.data!.alerts.edges.map((edge: { node: AlertNode }) => edge.node), statements };
  } finally {
    knex.off('query', listener);
    reads.off('query', listener);
  }
}

it('reads the rules, events and deliveries of a page of alerts in one statement each, whatever its size', async () => {
  const small = await pageWithStatements((await tenantWithAlerts(2)).admin);
  const large = await pageWithStatements((await tenantWithAlerts(12)).admin);

  expect(small.alerts).toHaveLength(4);
  expect(large.alerts).toHaveLength(24);
  for (const alert of large.alerts) {
    const expected = alert.actorId!.startsWith('escalator-')
      ? { key: 'permission-escalation', events: 1 }
      : { key: 'multiple-failed-logins', events: 5 };
    expect(alert.rule.key).toBe(expected.key);
    expect(alert.events).toHaveLength(expected.events);
    expect(alert.events.every((event) => event.actor.id === alert.actorId)).toBe(true);
  }

  const touching = (statements: string[], table: string) =>
    statements.filter((sql) => new RegExp(`\\b(from|join) "?${table}"?`, 'i').test(sql));
  expect(touching(large.statements, 'alert_rules')).toHaveLength(1);
  expect(touching(large.statements, 'alert_events')).toHaveLength(1);
  expect(touching(large.statements, 'alert_webhook_deliveries')).toHaveLength(1);
  // The page itself, then one for each of rule, events and webhookDelivery.
  expect(large.statements).toHaveLength(4);
  expect(small.statements).toHaveLength(4);
});
