import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { metricValue } from '../support/metrics';
import { newTenant, waitForAlerts, waitUntil } from './alert-support';

// The sweep runs at start and then once a minute: whatever is evaluated sooner was woken by a commit.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { ALERT_EVALUATION_INTERVAL_MS: '60000' } });
});
afterAll(() => server.stop());

const update = (i: number) => ({ actor: { id: 'rep' }, action: 'UPDATE', entityType: 'Lead', entityId: `l-${i}` });

async function checkpointOf(org: string): Promise<number> {
  const { rows } = await server.app.services.knex.raw(
    'SELECT last_sequence FROM alert_checkpoints WHERE tenant_id = ?',
    [org],
  );
  return rows.length ? Number(rows[0].last_sequence) : 0;
}

function waitForCheckpoint(org: string, sequence: number): Promise<void> {
  return waitUntil(
    async () => (await checkpointOf(org)) >= sequence,
    () => `checkpoint of ${org} did not reach ${sequence}`,
  );
}

describe('when the detectors run', () => {
  it('leaves record changes to the sweep, and evaluates at once a commit that a rule looks at', async () => {
    const tenant = await newTenant();
    await recordEvents(server, tenant.service, [update(0)]);
    await waitForCheckpoint(tenant.org, 1); // a tenant not evaluated here yet is evaluated at once

    // A commit wakes the evaluator before recordAuditEvents answers: a count unchanged by then is final.
    const woken = () => metricValue(server, 'audit_alert_evaluation_wakes_total', { trigger: 'commit' });
    const wokenBefore = await woken();
    await recordEvents(server, tenant.service, [update(1), update(2)]);
    expect(await woken()).toBe(wokenBefore);
    expect(await checkpointOf(tenant.org)).toBe(1);

    const failures = Array.from({ length: 5 }, () => ({
      actor: { id: 'mallory' },
      action: 'LOGIN_FAILED',
      ipAddress: '203.0.113.5',
    }));
    await recordEvents(server, tenant.service, failures);
    const alerts = await waitForAlerts(server, tenant.admin, (all) => all.length > 0, 10_000);
    expect(alerts.map((alert) => alert.rule.key)).toEqual(['multiple-failed-logins']);
    expect(await checkpointOf(tenant.org)).toBe(8);
  });

  it('reads the events of batches that left no record themselves, then forgets the records it has passed', async () => {
    const tenant = await newTenant();
    const { knex } = server.app.services;
    const records = async () =>
      (await knex.raw('SELECT count(*)::int AS n FROM audit_commit_actions WHERE tenant_id = ?', [tenant.org])).rows[0]
        .n as number;
    await recordEvents(server, tenant.service, [update(0)]);
    await waitForCheckpoint(tenant.org, 1);
    expect(await records()).toBe(0);

    // Left to the sweep, then stripped of their record, as events stored before records existed.
    await recordEvents(server, tenant.service, [update(1), update(2)]);
    expect(await records()).toBe(1);
    await knex.raw('DELETE FROM audit_commit_actions WHERE tenant_id = ?', [tenant.org]);

    const failures = Array.from({ length: 5 }, () => ({ actor: { id: 'mallory' }, action: 'LOGIN_FAILED' }));
    await recordEvents(server, tenant.service, failures);
    const alerts = await waitForAlerts(server, tenant.admin, (all) => all.length > 0, 10_000);
    expect(alerts.map((alert) => alert.rule.key)).toEqual(['multiple-failed-logins']);
    await waitForCheckpoint(tenant.org, 8);
    expect(await records()).toBe(0);
  });

  it('evaluates every commit at once for a tenant with custom rules, from the rule’s creation on', async () => {
    const tenant = await newTenant();
    await recordEvents(server, tenant.service, [update(0)]);
    await waitForCheckpoint(tenant.org, 1);
    const created = await server.graphql(
      `mutation C($input: AlertRuleInput!) { createAlertRule(input: $input) { id } }`,
      {
        input: {
          name: 'lead edits',
          match: 'action:UPDATE entity:Lead',
          threshold: 2,
          windowSeconds: 600,
          severity: 'LOW',
          groupBy: 'ACTOR',
        },
      },
      tenant.admin,
    );
    expect(created.errors).toBeUndefined();

    await recordEvents(server, tenant.service, [update(1), update(2)]);
    const alerts = await waitForAlerts(server, tenant.admin, (all) => all.length > 0, 10_000);
    expect(alerts.map((alert) => alert.rule.builtIn)).toEqual([false]);
  });
});
