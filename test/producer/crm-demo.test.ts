import { startCrmSubgraph, type CrmSubgraph } from '../../examples/crm/crm-subgraph';
import { startHiveGateway, type RunningGateway } from '../../examples/crm/gateway';
import { AuditClient, httpTransport } from '../../packages/producer/src';
import { subscribeOverWs } from '../live/live-support';
import { liveSubscriptions } from '../support/metrics';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';
import { waitUntil } from '../support/wait';

const LEAD_FEED =
  'subscription { auditEventRecorded(filter: { entityTypes: ["Lead"] }) { action entityId changes { field newValue } } }';
const LEAD_HISTORY =
  'query { lead(id: "lead-1") { status auditHistory { edges { node { action actor { id } changes { field oldValue newValue } } } } } }';

/** The demo's pieces (`npm run demo`) in one process: a mutation on a Lead through the gateway shows in its history and the live feed. */
describe('the CRM demo', () => {
  let audit: TestServer;
  let client: AuditClient;
  let crm: CrmSubgraph;
  let gateway: RunningGateway;

  beforeAll(async () => {
    audit = await startTestServer();
    client = new AuditClient({
      transport: httpTransport({ url: `${audit.url}/graphql`, token: await serviceToken('acme') }),
      flushIntervalMs: 10,
    });
    crm = await startCrmSubgraph({ audit: client });
    gateway = await startHiveGateway({
      subgraphs: [
        { name: 'crm', url: crm.url },
        { name: 'audit', url: `${audit.url}/graphql` },
      ],
    });
  });
  afterAll(async () => {
    await gateway.stop();
    await crm.stop();
    await client.close();
    await audit.stop();
  });

  it('shows a mutation on a Lead in lead { auditHistory } and in the live feed, through the gateway', async () => {
    const admin = await adminToken('acme');
    const feed = subscribeOverWs<{ action: string; entityId: string }>(gateway, admin, LEAD_FEED);
    try {
      await liveSubscriptions(audit, 1);
      const call = async (query: string) => {
        const response = await fetch(`${gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
          body: JSON.stringify({ query }),
        });
        return (await response.json()) as { data?: any; errors?: unknown[] };
      };
      const updated = await call('mutation { updateLead(id: "lead-1", input: { status: QUALIFIED }) { id status } }');
      expect(updated).toEqual({ data: { updateLead: { id: 'lead-1', status: 'QUALIFIED' } } });

      const [live] = await feed.waitFor(1);
      expect(live).toEqual({
        action: 'UPDATE',
        entityId: 'lead-1',
        changes: [{ field: 'status', newValue: 'QUALIFIED' }],
      });
      let history: any;
      await waitUntil(
        async () => (history = await call(LEAD_HISTORY)).data?.lead.auditHistory.edges.length === 1,
        () => `the lead's history: ${JSON.stringify(history)}`,
      );
      expect(history.data.lead).toEqual({
        status: 'QUALIFIED',
        auditHistory: {
          edges: [
            {
              node: {
                action: 'UPDATE',
                actor: { id: 'admin@acme' },
                changes: [{ field: 'status', oldValue: 'NEW', newValue: 'QUALIFIED' }],
              },
            },
          ],
        },
      });
    } finally {
      await feed.dispose();
    }
  });
});
