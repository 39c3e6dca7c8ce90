import { generateDemoHistory } from '../../dev/seed/demo-history';
import { seedDemoHistory, type SeedReport } from '../../dev/seed/seed-demo';
import { graphqlTarget, writePathTarget } from '../../dev/seed/seed-targets';
import { writerOf } from '../../src/events/record-events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

const NODE =
  'occurredAt action actor { id role } entityType entityId changes { field oldValue newValue } ipAddress userAgent metadata';

describe('npm run seed, through GraphQL on a test server', () => {
  let server: TestServer;
  let admin: string;
  let first: SeedReport;
  const started = Date.now();

  const query = async (text: string, variables: Record<string, unknown> = {}) => {
    const response = await server.graphql(text, variables, admin);
    expect(response.errors).toBeUndefined();
    return response.data!;
  };
  const search = async (terms: string, first = 500) =>
    (
      await query(`query ($s: String, $n: Int) { auditEvents(search: $s, first: $n) { edges { node { ${NODE} } } } }`, {
        s: terms,
        n: first,
      })
    ).auditEvents.edges.map((edge: any) => edge.node);

  beforeAll(async () => {
    server = await startTestServer();
    admin = await adminToken('demo');
    const target = graphqlTarget(`${server.url}/graphql`, { service: await serviceToken('demo'), admin });
    first = await seedDemoHistory(target);
    console.log(`seeded ${first.recorded} events through GraphQL in ${Date.now() - started} ms`);
  });
  afterAll(() => server.stop());

  it('stores a few thousand events once, and nothing more when run again later', async () => {
    expect(first).toMatchObject({ tenant: 'demo', fresh: true, duplicates: 0 });
    expect(first.recorded).toBe(first.events);
    expect(first.events).toBeGreaterThan(2500);
    const target = graphqlTarget(`${server.url}/graphql`, { service: await serviceToken('demo'), admin });
    const again = await seedDemoHistory(target, { now: new Date(Date.now() + 3 * 86_400_000) });
    expect(again).toMatchObject({ fresh: false, recorded: 0, duplicates: first.events, start: first.start });
    expect((await query('{ auditLogIntegrity { ok eventsChecked } }')).auditLogIntegrity).toEqual({
      ok: true,
      eventsChecked: first.events,
    });
  });

  it("shows a converted lead's history: created, routed, scored, through its statuses to Converted", async () => {
    const convert = generateDemoHistory('demo', first.start).events.find((event) => event.action === 'CONVERT')!;
    const representations = [{ __typename: 'Lead', id: convert.entityId }];
    const data = await query(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Lead { id auditHistory(first: 50) { edges { node { ${NODE} } } } } } }`,
      { r: representations },
    );
    const history = data._entities[0].auditHistory.edges.map((edge: any) => edge.node).reverse();
    expect(history[0]).toMatchObject({
      action: 'CREATE',
      changes: expect.arrayContaining([{ field: 'status', oldValue: null, newValue: 'New' }]),
    });
    expect(history.map((event: any) => event.action)).toEqual(expect.arrayContaining(['CREATE', 'UPDATE', 'CONVERT']));
    const statuses = history.flatMap((event: any) => event.changes.filter((change: any) => change.field === 'status'));
    expect(statuses.map((change: any) => change.newValue)).toEqual([
      'New',
      'Contacted',
      'Working',
      'Qualified',
      'Converted',
    ]);
    statuses.slice(1).forEach((change: any, i: number) => expect(change.oldValue).toBe(statuses[i].newValue));
    expect(history[history.length - 1].metadata).toMatchObject({ opportunityId: expect.stringMatching(/^O-/) });
  });

  it('has opportunities changing stage and amount, found with the search syntax', async () => {
    const stageChanges = await search('entity:Opportunity field:stage');
    expect(stageChanges.length).toBeGreaterThan(50);
    const won = await search('entity:Opportunity new_value:"Closed Won"');
    expect(won.length).toBeGreaterThan(3);
    const amounts = (await search('entity:Opportunity field:amount')).flatMap((event: any) =>
      event.changes.filter((c: any) => c.field === 'amount'),
    );
    expect(amounts.some((change: any) => change.newValue < change.oldValue)).toBe(true);
  });

  it('has sign-ins with devices and places, a failed-login burst from one address, exports and role changes', async () => {
    const logins = await search('action:LOGIN', 100);
    expect(logins.every((login: any) => login.userAgent && login.ipAddress)).toBe(true);
    const burst = await search('action:LOGIN_FAILED ip:192.0.2.77');
    expect(burst.length).toBeGreaterThanOrEqual(10);
    const times = burst.map((event: any) => Date.parse(event.occurredAt));
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(10 * 60_000);
    expect(await search('action:ACCOUNT_LOCKOUT id:mark.chen')).toHaveLength(1);
    const exports = await search('category:DATA_EXPORT');
    expect(exports.every((event: any) => Number.isInteger(event.metadata.recordCount))).toBe(true);
    expect(exports.some((event: any) => event.metadata.recordCount > 1000)).toBe(true);
    const escalation = await search('action:ROLE_CHANGE new_value:ADMIN');
    expect(escalation).toHaveLength(1);
    expect(escalation[0]).toMatchObject({
      entityId: 'ryan.cole',
      changes: [{ field: 'role', oldValue: 'SALES_REP', newValue: 'ADMIN' }],
    });
  });

  it('writes the same way in-process (scripts/seed.ts), for any tenant', async () => {
    const report = await seedDemoHistory(writePathTarget(writerOf(server.app.services)), { tenant: 'demo-copy' });
    expect(report).toMatchObject({ tenant: 'demo-copy', fresh: true, duplicates: 0, recorded: report.events });
    const again = await seedDemoHistory(writePathTarget(writerOf(server.app.services)), { tenant: 'demo-copy' });
    expect(again).toMatchObject({ fresh: false, recorded: 0, duplicates: report.events });
    const copy = await server.graphql(
      '{ auditEvents(first: 1) { edges { node { id } } } }',
      {},
      await adminToken('demo-copy'),
    );
    expect(copy.data!.auditEvents.edges).toHaveLength(1);
  });
});
