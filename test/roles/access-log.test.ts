import { startTestServer, type TestServer } from '../support/server';
import { serviceToken, signToken } from '../support/tokens';
import { waitUntil } from '../support/wait';
import { record } from '../live/live-support';

const VIEWS = `{ auditEvents(first: 500, filter: { actions: [VIEW], actorIds: ["aud"] }) {
  edges { node { action category actor { id role } entityType entityId metadata } } } }`;

describe('access logging: reads of the log by a person, recorded coalesced', () => {
  let server: TestServer;
  let admin: string;
  let auditor: string;

  beforeAll(async () => {
    // Short windows, so that they close within the test; reads are still counted exactly.
    server = await startTestServer({ env: { ACCESS_LOG_WINDOW_SECONDS: '2', ACCESS_LOG_FLUSH_MS: '100' } });
    [admin, auditor] = await Promise.all([
      signToken({ org: 'acme', role: 'ADMIN', sub: 'boss' }),
      signToken({ org: 'acme', role: 'AUDITOR', sub: 'aud' }),
    ]);
    await record(server, await serviceToken('acme'), [
      { actor: { id: 'u1' }, action: 'UPDATE', entityType: 'Lead', entityId: 'l1' },
    ]);
  });
  afterAll(() => server.stop());

  it('turns repeated reads into DATA_ACCESS events whose counts add up exactly', async () => {
    for (let read = 0; read < 3; read += 1)
      expect(
        (await server.graphql('{ auditEvents(search: "action:UPDATE") { edges { cursor } } }', {}, auditor)).errors,
      ).toBeUndefined();
    const history =
      '{ _entities(representations: [{ __typename: "Lead", id: "l1" }]) { ... on Lead { auditHistory { edges { cursor } } } } }';
    for (let read = 0; read < 2; read += 1) await server.graphql(history, {}, auditor);
    // A service's reads are not a person's: SERVICE cannot read anyway, and writes are not recorded as access.

    let views: any[] = [];
    const readsOf = (entityType: string, entityId: string) =>
      views
        .filter((view) => view.entityType === entityType && view.entityId === entityId)
        .reduce((sum, view) => sum + view.metadata.reads, 0);
    await waitUntil(
      async () => {
        views = (await server.graphql(VIEWS, {}, admin)).data!.auditEvents.edges.map((edge: any) => edge.node);
        return readsOf('AuditLog', 'auditEvents') === 3 && readsOf('AuditLog', 'Lead/l1') === 2;
      },
      () => `access events so far: ${JSON.stringify(views)}`,
    );
    const queries = views.filter((view) => view.entityId === 'auditEvents');
    // One event per window: the three reads fall in one window, or two when they straddle its end.
    expect(queries.length).toBeLessThanOrEqual(2);
    expect(queries[0]).toMatchObject({
      action: 'VIEW',
      category: 'DATA_ACCESS',
      actor: { id: 'aud', role: 'AUDITOR' },
      metadata: { field: 'auditEvents', criteria: { search: 'action:UPDATE' }, windowSeconds: 2 },
    });
    expect(Date.parse(queries[0].metadata.lastReadAt)).toBeGreaterThanOrEqual(
      Date.parse(queries[0].metadata.firstReadAt),
    );
    expect(views.find((view) => view.entityId === 'Lead/l1').metadata.field).toBe('auditHistory');
  });

  it('keeps the chain whole: the access events verify like any other', async () => {
    const integrity = await server.graphql('{ auditLogIntegrity { ok eventsChecked } }', {}, admin);
    expect(integrity.data!.auditLogIntegrity.ok).toBe(true);
  });
});
