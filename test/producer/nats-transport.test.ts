import { randomUUID } from 'node:crypto';
import { AuditClient, natsTransport } from '../../packages/producer/src';
import { metricValue, waitForMetric } from '../support/metrics';
import { describeWithNats, openNatsTestBed, type NatsTestBed } from '../support/nats';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken } from '../support/tokens';
import { waitUntil } from '../support/wait';

describeWithNats('the producer client over NATS JetStream', () => {
  let bed: NatsTestBed;
  let audit: TestServer;

  beforeAll(async () => {
    bed = await openNatsTestBed();
    audit = await startTestServer({ env: bed.env });
    await waitUntil(
      () =>
        bed.jsm.consumers.info(bed.stream, bed.consumer).then(
          () => true,
          () => false,
        ),
      () => 'the subgraph created its stream and consumer',
    );
  });
  afterAll(async () => {
    await audit.stop();
    await bed.close();
  });

  it('publishes batches per tenant that the subgraph stores, the same ids stored once when sent again', async () => {
    const client = new AuditClient({
      transport: natsTransport({ js: bed.js, subjectPrefix: bed.prefix, tenantId: 'acme' }),
      flushIntervalMs: 5,
    });
    const occurredAt = new Date().toISOString();
    const drafts = Array.from({ length: 30 }, (_, i) => ({
      id: randomUUID(),
      occurredAt,
      tenantId: i % 3 === 0 ? 'globex' : undefined,
      actor: { id: 'svc-import', type: 'SERVICE' as const },
      action: 'BULK_IMPORT' as const,
      entityType: 'Contact',
      entityId: `contact-${i}`,
      source: 'IMPORT' as const,
    }));
    for (const draft of drafts) client.record(draft);
    await client.flush();
    // A retry of the same event (a producer that did not see its publish confirmed).
    client.record(drafts[1]);
    await client.close();
    expect(client.stats()).toMatchObject({ sent: 31, dropped: 0, rejected: 0 });

    const count = async (tenant: string) => {
      const response = await audit.graphql(
        '{ auditEvents(first: 100) { edges { node { id } } } }',
        {},
        await adminToken(tenant),
      );
      return response.data!.auditEvents.edges.length as number;
    };
    await waitUntil(
      async () => (await count('acme')) === 20 && (await count('globex')) === 10,
      () => 'events stored per tenant',
    );
    await waitForMetric(audit, 'audit_jetstream_events_total', (value) => value === 1, {
      labels: { outcome: 'duplicate' },
    });
    expect(await metricValue(audit, 'audit_jetstream_messages_total', { outcome: 'rejected' })).toBe(0);
  });
});
