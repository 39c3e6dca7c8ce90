import { sentinelEvent } from '../alerts/alert-support';
import { LIVE, event, record, subscribeOverWs, type LiveEvent, type LiveSubscription } from '../live/live-support';
import { startCrmSubgraph, type CrmServer } from '../support/crm-subgraph';
import { startHiveGateway, subscribeOverSse, type TestGateway } from '../support/gateway';
import { alertSubscriptions, liveSubscriptions } from '../support/metrics';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, userToken } from '../support/tokens';

const PROMPTLY_MS = 2000;
const HISTORY = `query History($id: ID!) { lead(id: $id) { id name auditHistory { edges { node { action entityId } } } } }`;
const ALERTS = 'subscription { auditAlertRaised(minSeverity: MEDIUM) { severity actorId rule { key } } }';

type Subscribe = <T>(
  gateway: TestGateway,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
) => LiveSubscription<T>;

describe('behind Hive Gateway, with a CRM subgraph', () => {
  let audit: TestServer;
  let crm: CrmServer;
  let gateway: TestGateway;
  let service: string;

  beforeAll(async () => {
    [audit, crm] = await Promise.all([startTestServer(), startCrmSubgraph()]);
    gateway = await startHiveGateway(audit, crm);
    service = await serviceToken('acme');
  });
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([audit?.stop(), crm?.stop()]);
  });

  it('serves a lead from the CRM with its audit history from us to an ADMIN', async () => {
    await record(audit, service, [event('CREATE', { entityType: 'Lead', entityId: 'lead-1' })]);
    const response = await gateway.graphql(HISTORY, { id: 'lead-1' }, await adminToken('acme'));
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      lead: {
        id: 'lead-1',
        name: 'Record lead-1',
        auditHistory: { edges: [{ node: { action: 'CREATE', entityId: 'lead-1' } }] },
      },
    });
  });

  it.each([
    ['a USER', 'FORBIDDEN', () => userToken('acme')],
    ['a caller without a token', 'UNAUTHENTICATED', async () => undefined],
  ])('gives %s the lead with a null history and %s', async (_, code, token) => {
    const response = await gateway.graphql(HISTORY, { id: 'lead-1' }, await token());
    expect(response.data).toEqual({ lead: { id: 'lead-1', name: 'Record lead-1', auditHistory: null } });
    expect(response.errors).toEqual([
      expect.objectContaining({ path: ['lead', 'auditHistory'], extensions: expect.objectContaining({ code }) }),
    ]);
  });

  describe.each<[string, Subscribe]>([
    ['graphql-ws', subscribeOverWs],
    ['SSE', subscribeOverSse],
  ])('live feeds over %s', (transport, subscribe) => {
    const live = (token: string | null, variables: Record<string, unknown> = {}) =>
      subscribe<LiveEvent>(gateway, token, LIVE, variables);

    it('sends each tenant its own events matching the filter, and resumes after a sequence', async () => {
      const entityType = `Gateway${transport.replace(/\W/g, '')}`;
      const filter = { entityTypes: [entityType] };
      const acme = live(await adminToken('acme'), { filter });
      const globex = live(await adminToken('globex'), { filter });
      await liveSubscriptions(audit, 2);
      const sequences = await record(audit, service, [
        event('UPDATE', { entityType, entityId: 'a1' }),
        event('UPDATE', { entityType: 'Other', entityId: 'x' }),
        event('UPDATE', { entityType, entityId: 'a2' }),
        event('UPDATE', { entityType, entityId: 'g1', tenantId: 'globex' }),
      ]);
      expect((await acme.waitFor(2)).map((e) => e.entityId)).toEqual(['a1', 'a2']);
      expect((await globex.waitFor(1)).map((e) => [e.tenantId, e.entityId])).toEqual([['globex', 'g1']]);
      const resumed = live(await adminToken('acme'), { filter, after: sequences[0] });
      expect((await resumed.waitFor(1)).map((e) => e.entityId)).toEqual(['a2']);
      await Promise.all([acme, globex, resumed].map((sub) => sub.dispose()));
      expect(acme.events).toHaveLength(2);
    });

    it('raises auditAlertRaised to the tenant’s admin', async () => {
      const tenant = `alerts-${transport.replace(/\W/g, '')}`;
      const alerts = subscribe<{ severity: string; actorId: string; rule: { key: string } }>(
        gateway,
        await adminToken(tenant),
        ALERTS,
      );
      await alertSubscriptions(audit, 1);
      await record(audit, await serviceToken(tenant), [{ ...sentinelEvent(), actor: { id: 'escalator' } }]);
      expect(await alerts.waitFor(1)).toEqual([
        { severity: 'HIGH', actorId: 'escalator', rule: { key: 'permission-escalation' } },
      ]);
      await alerts.dispose();
    });

    it.each([
      ['a USER', 'FORBIDDEN', () => userToken('acme')],
      ['a caller without a token', 'UNAUTHENTICATED', async () => null],
    ])('refuses %s with %s within 2 s', async (_, code, token) => {
      const started = Date.now();
      const refused = live(await token());
      await refused.ended;
      const elapsedMs = Date.now() - started;
      await refused.dispose();
      expect(refused.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code }) })]);
      expect(refused.events).toEqual([]);
      expect(elapsedMs).toBeLessThan(PROMPTLY_MS);
    });
  });
});
