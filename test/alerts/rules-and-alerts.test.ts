import { startTestServer, type TestServer } from '../support/server';
import { userToken } from '../support/tokens';
import { alertsAfter, lastMonday, listAlerts, minutesAfter, newTenant } from './alert-support';

const RULE_FIELDS =
  'id key name builtIn enabled severity match threshold windowSeconds groupBy webhookUrl businessHours { days start end timeZone }';
const CREATE = `mutation C($input: AlertRuleInput!) { createAlertRule(input: $input) { ${RULE_FIELDS} } }`;
const UPDATE = `mutation U($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) { ${RULE_FIELDS} } }`;
const ENABLE = `mutation E($id: ID!, $enabled: Boolean!) { setAlertRuleEnabled(id: $id, enabled: $enabled) { id enabled } }`;
const DELETE = `mutation D($id: ID!) { deleteAlertRule(id: $id) }`;
const RULES = `{ alertRules { ${RULE_FIELDS} } }`;
const CONFIG_EVENTS = `{ auditEvents(filter: { actions: [CONFIG_CHANGE] }, first: 50) { edges { node { entityType entityId actor { id }
  changes { field oldValue newValue } metadata } } } }`;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const monday = lastMonday(10);
const at = (minutes: number) => minutesAfter(monday, minutes);

async function createRule(admin: string, input: Record<string, unknown>) {
  const response = await server.graphql(CREATE, { input: { severity: 'MEDIUM', ...input } }, admin);
  expect(response.errors).toBeUndefined();
  return response.data!.createAlertRule;
}

describe('alert rules', () => {
  it('lists the seven built-in rules with their defaults, for admins only', async () => {
    const tenant = await newTenant();
    const response = await server.graphql(RULES, {}, tenant.admin);
    const rules = response.data!.alertRules;
    expect(rules.map((rule: { key: string }) => rule.key).sort()).toEqual([
      'bulk-export',
      'impossible-travel',
      'mass-deletion',
      'multiple-failed-logins',
      'new-device',
      'off-hours-access',
      'permission-escalation',
    ]);
    expect(rules.find((rule: { key: string }) => rule.key === 'multiple-failed-logins')).toMatchObject({
      builtIn: true,
      enabled: true,
      severity: 'HIGH',
      threshold: 5,
      windowSeconds: 600,
    });
    const denied = await server.graphql(RULES, {}, await userToken(tenant.org));
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses a match in bad syntax with BAD_USER_INPUT and the position', async () => {
    const tenant = await newTenant();
    const response = await server.graphql(
      CREATE,
      { input: { name: 'x', severity: 'LOW', match: 'action:DELETE colour:red' } },
      tenant.admin,
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.match',
      position: 14,
    });
  });

  it.each([
    ['ACTOR', (i: number) => ({ actor: { id: 'same' }, ipAddress: `192.0.2.${i}`, entityId: `o${i}` }), 'actor:same'],
    ['IP', (i: number) => ({ actor: { id: `a${i}` }, ipAddress: '192.0.2.77', entityId: `o${i}` }), 'ip 192.0.2.77'],
    [
      'ENTITY',
      (i: number) => ({ actor: { id: `a${i}` }, ipAddress: `192.0.2.${i}`, entityId: 'opp-1' }),
      'entity Opportunity:opp-1',
    ],
    ['TENANT', (i: number) => ({ actor: { id: `a${i}` }, ipAddress: `192.0.2.${i}`, entityId: `o${i}` }), 'tenant'],
  ])(
    'custom rule grouped by %s raises at its threshold, and not for events it does not match',
    async (groupBy, vary, expected) => {
      const tenant = await newTenant();
      await createRule(tenant.admin, {
        name: `deletes by ${groupBy}`,
        match: 'action:DELETE entity:Opportunity -role:ADMIN',
        threshold: 3,
        windowSeconds: 600,
        groupBy,
      });
      const deletion = (i: number, extra: Record<string, unknown> = {}) => ({
        action: 'DELETE',
        entityType: 'Opportunity',
        occurredAt: at(i),
        ...vary(i),
        ...extra,
      });
      const alerts = await alertsAfter(server, tenant, [
        deletion(0),
        deletion(1),
        deletion(2, { actor: { id: 'boss', role: 'ADMIN' } }),
        deletion(3),
      ]);
      expect(alerts).toHaveLength(1);
      expect(alerts[0].rule.builtIn).toBe(false);
      expect(alerts[0].events).toHaveLength(3);
      expect(alerts[0].summary.replace('actor ', 'actor:')).toContain(expected);
    },
  );

  it('skips a custom rule saved before the search limits and over them, and evaluates the others', async () => {
    const tenant = await newTenant();
    const rule = await createRule(tenant.admin, { name: 'old and long', match: 'action:DELETE' });
    await server.app.services
      .knex('alert_rules')
      .where({ id: rule.id })
      .update({ match: '-w '.repeat(400) });
    const alerts = await alertsAfter(server, tenant, [{ actor: { id: 'u' }, action: 'DELETE', occurredAt: at(0) }]);
    expect(alerts).toEqual([]);
  });

  it('records creating, changing, enabling and deleting a rule as CONFIG_CHANGE with old and new values', async () => {
    const tenant = await newTenant();
    const rule = await createRule(tenant.admin, { name: 'exports', match: 'action:EXPORT', threshold: 2 });
    const updated = await server.graphql(
      UPDATE,
      { id: rule.id, input: { name: 'exports', severity: 'HIGH', match: 'action:EXPORT', threshold: 4 } },
      tenant.admin,
    );
    expect(updated.data!.updateAlertRule).toMatchObject({ severity: 'HIGH', threshold: 4 });
    expect(
      (await server.graphql(ENABLE, { id: rule.id, enabled: false }, tenant.admin)).data!.setAlertRuleEnabled.enabled,
    ).toBe(false);
    expect((await server.graphql(DELETE, { id: rule.id }, tenant.admin)).data!.deleteAlertRule).toBe(true);
    const events = (await server.graphql(CONFIG_EVENTS, {}, tenant.admin)).data!.auditEvents.edges.map(
      (edge: { node: unknown }) => edge.node,
    );
    const operations = events.map((event: { metadata: { operation: string } }) => event.metadata.operation);
    expect(operations).toEqual(
      expect.arrayContaining(['createAlertRule', 'updateAlertRule', 'setAlertRuleEnabled', 'deleteAlertRule']),
    );
    const update = events.find(
      (event: { metadata: { operation: string } }) => event.metadata.operation === 'updateAlertRule',
    );
    expect(update).toMatchObject({ entityType: 'AlertRule', entityId: rule.id, actor: { id: `admin@${tenant.org}` } });
    expect(update.changes).toEqual(
      expect.arrayContaining([
        { field: 'severity', oldValue: 'MEDIUM', newValue: 'HIGH' },
        { field: 'threshold', oldValue: 2, newValue: 4 },
      ]),
    );
    const rules = (await server.graphql(RULES, {}, tenant.admin)).data!.alertRules;
    expect(rules.some((listed: { id: string }) => listed.id === rule.id)).toBe(false);
  });

  it('tunes a built-in rule: off-hours business hours in a time zone, disabling', async () => {
    const tenant = await newTenant();
    const rules = (await server.graphql(RULES, {}, tenant.admin)).data!.alertRules;
    const offHours = rules.find((rule: { key: string }) => rule.key === 'off-hours-access');
    const tuned = await server.graphql(
      UPDATE,
      {
        id: offHours.id,
        input: {
          name: offHours.name,
          severity: 'MEDIUM',
          match: '',
          businessHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00', timeZone: 'America/New_York' },
        },
      },
      tenant.admin,
    );
    expect(tuned.data!.updateAlertRule.businessHours).toMatchObject({ timeZone: 'America/New_York', start: '09:00' });
    const newDevice = rules.find((rule: { key: string }) => rule.key === 'new-device');
    await server.graphql(ENABLE, { id: newDevice.id, enabled: false }, tenant.admin);
    // 10:00 UTC is 05:00 or 06:00 in New York: off hours there; 15:00 UTC is within them.
    const alerts = await alertsAfter(server, tenant, [
      { actor: { id: 'early' }, action: 'LOGIN', occurredAt: at(0), userAgent: 'curl/8.0' },
      {
        actor: { id: 'early' },
        action: 'LOGIN',
        occurredAt: at(1),
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
      },
      { actor: { id: 'afternoon' }, action: 'LOGIN', occurredAt: at(5 * 60) },
    ]);
    expect(alerts.map((alert) => [alert.rule.key, alert.actorId, alert.severity])).toEqual([
      ['off-hours-access', 'early', 'MEDIUM'],
      ['off-hours-access', 'early', 'MEDIUM'],
    ]);
  });
});

describe('alerts', () => {
  const ACK = `mutation A($id: ID!, $note: String) { acknowledgeAlert(id: $id, note: $note) { id status note } }`;
  const RESOLVE = `mutation R($id: ID!, $note: String) { resolveAlert(id: $id, note: $note) { id status note } }`;

  it('filters by status and severity, pages, and records acknowledging and resolving with the note', async () => {
    const tenant = await newTenant();
    const logins = Array.from({ length: 5 }, (_, i) => ({
      actor: { id: `night-${i}` },
      action: 'LOGIN',
      occurredAt: at(-9 * 60 + i),
    }));
    const raised = await alertsAfter(server, tenant, logins);
    expect(raised).toHaveLength(5);
    const first = await server.graphql(
      `{ alerts(first: 2) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
      {},
      tenant.admin,
    );
    expect(first.data!.alerts.edges).toHaveLength(2);
    expect(first.data!.alerts.pageInfo.hasNextPage).toBe(true);
    const { endCursor } = first.data!.alerts.pageInfo;
    const rest = await listAlerts(server, tenant.admin, { after: endCursor });
    expect(rest).toHaveLength(4);
    // A cursor names the alert, not the serial all tenants share, and is refused to another tenant.
    expect(Buffer.from(endCursor, 'base64url').toString()).toBe(`alert:${first.data!.alerts.edges[1].node.id}`);
    const stranger = await newTenant();
    const foreign = await server.graphql(
      'query($after: String) { alerts(after: $after) { edges { cursor } } }',
      { after: endCursor },
      stranger.admin,
    );
    expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    expect(
      (await listAlerts(server, tenant.admin, { minSeverity: 'MEDIUM' })).every((alert) => alert.severity !== 'LOW'),
    ).toBe(true);

    const acked = await server.graphql(ACK, { id: raised[0].id, note: 'known night shift' }, tenant.admin);
    expect(acked.data!.acknowledgeAlert).toMatchObject({ status: 'ACKNOWLEDGED', note: 'known night shift' });
    const resolved = await server.graphql(RESOLVE, { id: raised[1].id, note: 'fine' }, tenant.admin);
    expect(resolved.data!.resolveAlert.status).toBe('RESOLVED');
    expect((await server.graphql(RESOLVE, { id: raised[1].id }, tenant.admin)).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await listAlerts(server, tenant.admin, { status: 'ACKNOWLEDGED' })).map((alert) => alert.id)).toEqual([
      raised[0].id,
    ]);
    expect((await listAlerts(server, tenant.admin, { status: 'OPEN' })).map((alert) => alert.id)).not.toContain(
      raised[1].id,
    );

    const events = (await server.graphql(CONFIG_EVENTS, {}, tenant.admin)).data!.auditEvents.edges.map(
      (edge: { node: unknown }) => edge.node,
    );
    const ack = events.find((event: { entityId: string }) => event.entityId === raised[0].id);
    expect(ack).toMatchObject({
      entityType: 'AuditAlert',
      metadata: { operation: 'acknowledgeAlert', note: 'known night shift' },
    });
    expect(ack.changes).toEqual(
      expect.arrayContaining([{ field: 'status', oldValue: 'OPEN', newValue: 'ACKNOWLEDGED' }]),
    );

    const other = await newTenant();
    expect((await server.graphql(ACK, { id: raised[2].id }, other.admin)).errors?.[0]?.extensions?.code).toBe(
      'NOT_FOUND',
    );
  });
});
