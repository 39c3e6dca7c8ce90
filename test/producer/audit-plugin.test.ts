import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCrmSubgraph, type CrmSubgraph } from '../../examples/crm/crm-subgraph';
import { AuditClient, httpTransport, REDACTED } from '../../packages/producer/src';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, signToken } from '../support/tokens';

const HISTORY = `query History($filter: AuditEventFilter) {
  auditEvents(filter: $filter, first: 100) {
    edges { node { id tenantId action entityType entityId source ipAddress userAgent sessionId metadata
      actor { id email role } changes { field oldValue newValue } } }
  }
}`;

/** Sends `query` to the CRM subgraph as the gateway would, with the caller's token and request headers. */
async function crmCall(
  crm: CrmSubgraph,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const started = performance.now();
  const response = await fetch(crm.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
  return { ...body, ms: performance.now() - started };
}

describe('the audit plugin in a CRM subgraph', () => {
  let audit: TestServer;
  let crm: CrmSubgraph;
  let client: AuditClient;
  let userHeaders: Record<string, string>;
  let admin: string;

  const history = async (entityType: string, entityId: string) => {
    await client.flush();
    const response = await audit.graphql(
      HISTORY,
      { filter: { entityTypes: [entityType], entityIds: [entityId] } },
      admin,
    );
    expect(response.errors).toBeUndefined();
    return response.data!.auditEvents.edges.map((edge: { node: unknown }) => edge.node) as any[];
  };

  beforeAll(async () => {
    audit = await startTestServer();
    admin = await adminToken('acme');
    const token = await serviceToken('acme');
    client = new AuditClient({
      transport: httpTransport({ url: `${audit.url}/graphql`, token }),
      flushIntervalMs: 10,
      redact: ['taxId', /^password/i],
    });
    crm = await startCrmSubgraph({ audit: client });
    userHeaders = {
      authorization: `Bearer ${await signToken({ sub: 'user-7', org: 'acme', role: 'SALES', email: 'jane@acme.example' })}`,
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      'x-forwarded-for': '203.0.113.7, 10.0.0.1',
      'x-session-id': 'session-42',
      'x-audit-source': 'UI',
    };
  });
  afterAll(async () => {
    await crm.stop();
    await client.close();
    await audit.stop();
  });

  it('records a create with the new record, the actor and the request', async () => {
    const created = await crmCall(
      crm,
      'mutation ($input: CreateLeadInput!) { createLead(input: $input) { id name } }',
      { input: { name: 'Grace Hopper', email: 'grace@navy.example', company: 'Navy' } },
      userHeaders,
    );
    const id = created.data.createLead.id;
    const [event] = await history('Lead', id);
    expect(event).toMatchObject({
      tenantId: 'acme',
      action: 'CREATE',
      entityType: 'Lead',
      entityId: id,
      source: 'UI',
      ipAddress: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      sessionId: 'session-42',
      actor: { id: 'user-7', email: 'jane@acme.example', role: 'SALES' },
      metadata: { mutation: 'createLead' },
    });
    // The whole new record, though the mutation selected only id and name.
    expect(event.changes).toEqual(
      expect.arrayContaining([
        { field: 'name', oldValue: null, newValue: 'Grace Hopper' },
        { field: 'company', oldValue: null, newValue: 'Navy' },
        { field: 'status', oldValue: null, newValue: 'NEW' },
      ]),
    );
  });

  it('records an update with the field diff the subgraph computes from before and after', async () => {
    await crmCall(
      crm,
      'mutation { updateLead(id: "lead-1", input: { status: QUALIFIED, company: "Babbage & Co" }) { id status } }',
      {},
      userHeaders,
    );
    const [event] = await history('Lead', 'lead-1');
    expect(event.action).toBe('UPDATE');
    expect(event.changes).toEqual([
      { field: 'company', oldValue: 'Analytical Engines', newValue: 'Babbage & Co' },
      { field: 'status', oldValue: 'NEW', newValue: 'QUALIFIED' },
    ]);
  });

  it('records a delete of a mutation that returns no record, and the records a conversion creates', async () => {
    const created = await crmCall(
      crm,
      'mutation { createLead(input: { name: "Temp", company: "Tempco" }) { id } }',
      {},
      userHeaders,
    );
    const id = created.data.createLead.id;
    const converted = await crmCall(
      crm,
      `mutation { convertLead(id: "${id}") { account { id } contact { id } } }`,
      {},
      userHeaders,
    );
    const { account, contact } = converted.data.convertLead;
    expect((await crmCall(crm, `mutation { deleteLead(id: "${id}") }`, {}, userHeaders)).data.deleteLead).toBe(true);

    const leadEvents = await history('Lead', id);
    expect(leadEvents.map((e) => e.action)).toEqual(['DELETE', 'CONVERT', 'CREATE']);
    expect(leadEvents[0].changes).toEqual(
      expect.arrayContaining([{ field: 'status', oldValue: 'CONVERTED', newValue: null }]),
    );
    expect(leadEvents[1].changes).toEqual([{ field: 'status', oldValue: 'NEW', newValue: 'CONVERTED' }]);
    expect((await history('Account', account.id)).map((e) => e.action)).toEqual(['CREATE']);
    expect((await history('Contact', contact.id)).map((e) => e.action)).toEqual(['CREATE']);
  });

  it('does not record a failed mutation by default; recordFailures records it marked as failed', async () => {
    const failed = await crmCall(
      crm,
      'mutation { updateLead(id: "lead-missing", input: { status: LOST }) { id } }',
      {},
      userHeaders,
    );
    expect(failed.errors?.[0].message).toBe('Lead lead-missing does not exist');
    expect(await history('Lead', 'lead-missing')).toEqual([]);

    const strict = await startCrmSubgraph({ audit: client, recordFailures: true });
    try {
      await crmCall(
        strict,
        'mutation { updateLead(id: "lead-missing", input: { status: LOST }) { id } }',
        {},
        userHeaders,
      );
      const [event] = await history('Lead', 'lead-missing');
      expect(event).toMatchObject({
        action: 'UPDATE',
        changes: [],
        metadata: { mutation: 'updateLead', failed: true, error: 'NOT_FOUND' },
      });
    } finally {
      await strict.stop();
    }
  });

  it('redacts the fields it is told to before they leave the producer', async () => {
    const created = await crmCall(
      crm,
      'mutation { createLead(input: { name: "Secretive", taxId: "123-45-6789" }) { id } }',
      {},
      userHeaders,
    );
    const id = created.data.createLead.id;
    await crmCall(crm, `mutation { updateLead(id: "${id}", input: { taxId: "987-65-4321" }) { id } }`, {}, userHeaders);
    const [update, create] = await history('Lead', id);
    expect(create.changes).toContainEqual({ field: 'taxId', oldValue: null, newValue: REDACTED });
    // Both sides redacted alike: the value change is invisible, by design of the rule.
    expect(update.changes).toEqual([]);
    expect(JSON.stringify([update, create])).not.toMatch(/123-45-6789|987-65-4321/);
  });

  it('keeps the mutation fast and successful while the audit subgraph does not answer', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const stalled = new AuditClient({
      transport: httpTransport({
        url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/graphql`,
        token: 'x',
        timeoutMs: 60_000,
      }),
      flushIntervalMs: 1,
      maxQueuedEvents: 5,
    });
    const stalledCrm = await startCrmSubgraph({ audit: stalled });
    try {
      for (let i = 0; i < 8; i++) {
        const result = await crmCall(
          stalledCrm,
          'mutation { createLead(input: { name: "Fast" }) { id } }',
          {},
          userHeaders,
        );
        expect(result.errors).toBeUndefined();
        // A request to a subgraph that waited on the audit subgraph would hang until the 60 s timeout.
        expect(result.ms).toBeLessThan(2000);
      }
      // Memory stays bounded: past 5 held events, new ones are dropped and counted.
      expect(stalled.stats()).toMatchObject({ queued: 5, dropped: 3, sent: 0 });
    } finally {
      await stalledCrm.stop();
      await stalled.close({ timeoutMs: 0 });
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
    expect(stalled.stats()).toMatchObject({ queued: 0, dropped: 8 });
  });
});
