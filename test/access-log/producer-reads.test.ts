import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server';
import { serviceToken, signToken } from '../support/tokens';
import { waitUntil } from '../support/wait';

const RECORD = `mutation($events: [AuditEventInput!]!) {
  recordAuditEvents(events: $events) { recorded duplicates coalesced } }`;
const READS = `{ auditEvents(first: 500, filter: { actions: [VIEW, REPORT_RUN] }) {
  edges { node { action category actor { id } entityType entityId metadata } } } }`;
const WINDOW_SECONDS = 60;

type Node = { action: string; actor: { id: string }; entityType: string; entityId: string; metadata: any };

describe('producers’ VIEW and REPORT_RUN events of personal records, coalesced', () => {
  let server: TestServer;
  let admin: string;
  let service: string;
  /** The start of a window that ended an hour ago: it closes at the next flush. */
  let windowStart: number;
  const at = (ms: number) => new Date(windowStart + ms).toISOString();
  const view = (actor: string, entityType: string, entityId: string, ms: number, id: string = randomUUID()) => ({
    id,
    occurredAt: at(ms),
    actor: { id: actor, email: `${actor}@example.com` },
    action: 'VIEW',
    entityType,
    entityId,
  });
  const send = async (events: Array<Record<string, unknown>>) => {
    const response = await server.graphql(RECORD, { events }, service);
    expect(response.errors).toBeUndefined();
    return response.data!.recordAuditEvents as { recorded: number; duplicates: number; coalesced: number };
  };

  beforeAll(async () => {
    server = await startTestServer({
      env: { ACCESS_LOG_WINDOW_SECONDS: String(WINDOW_SECONDS), ACCESS_LOG_FLUSH_MS: '100' },
    });
    [admin, service] = await Promise.all([
      signToken({ org: 'acme', role: 'ADMIN', sub: 'boss' }),
      serviceToken('acme'),
    ]);
    const windowMs = WINDOW_SECONDS * 1000;
    windowStart = Math.floor((Date.now() - 3_600_000) / windowMs) * windowMs;
    const marked = await server.graphql(
      `mutation { setPersonalFields(entityType: "Contact", fields: ["email"]) { fields } }`,
      {},
      admin,
    );
    expect(marked.errors).toBeUndefined();
  });
  afterAll(() => server.stop());

  it('stores 100 views of one record by one actor in a window as one event with the count and the first and last time', async () => {
    const views = Array.from({ length: 100 }, (_, index) => view('rep', 'Contact', 'c1', 500 + index * 100));
    expect(await send(views)).toEqual({ recorded: 0, duplicates: 0, coalesced: 100 });
    // Another actor, another record, a report run of a person: windows of their own.
    const others = [
      view('other', 'Contact', 'c1', 1_000),
      view('rep', 'Contact', 'c2', 1_000),
      { ...view('rep', 'User', 'u9', 2_000), action: 'REPORT_RUN' },
      { ...view('rep', 'User', 'u9', 3_000), action: 'REPORT_RUN' },
    ];
    expect(await send(others)).toEqual({ recorded: 0, duplicates: 0, coalesced: 4 });
    // A record of no personal type is stored as it is.
    expect(await send([view('rep', 'Lead', 'l1', 1_000)])).toEqual({ recorded: 1, duplicates: 0, coalesced: 0 });
    // Sent again (a producer's retry): duplicates, not counted twice, whether or not the window has closed.
    expect(await send(views.slice(0, 10))).toEqual({ recorded: 0, duplicates: 10, coalesced: 0 });
    expect(await send([views[0], views[0]])).toEqual({ recorded: 0, duplicates: 2, coalesced: 0 });
    // After the window, a new event; windows close in order, so it shows last.
    expect(await send([view('rep', 'Contact', 'c1', WINDOW_SECONDS * 1000 + 5)])).toMatchObject({ coalesced: 1 });

    let reads: Node[] = [];
    const of = (actor: string, entityType: string, entityId: string) =>
      reads.filter((read) => read.actor.id === actor && read.entityType === entityType && read.entityId === entityId);
    await waitUntil(
      async () => {
        reads = (await server.graphql(READS, {}, admin)).data!.auditEvents.edges.map((edge: any) => edge.node);
        return of('rep', 'Contact', 'c1').length >= 2;
      },
      () => `reads so far: ${JSON.stringify(reads)}`,
    );
    const [next, first] = of('rep', 'Contact', 'c1');
    expect(first).toMatchObject({
      action: 'VIEW',
      category: 'DATA_ACCESS',
      metadata: {
        reads: 100,
        firstReadAt: at(500),
        lastReadAt: at(500 + 99 * 100),
        windowStart: at(0),
        windowSeconds: WINDOW_SECONDS,
      },
    });
    expect(next.metadata).toMatchObject({ reads: 1, windowStart: at(WINDOW_SECONDS * 1000) });
    expect(of('other', 'Contact', 'c1').map((read) => read.metadata.reads)).toEqual([1]);
    expect(of('rep', 'Contact', 'c2').map((read) => read.metadata.reads)).toEqual([1]);
    expect(of('rep', 'User', 'u9')).toMatchObject([
      { action: 'REPORT_RUN', metadata: { reads: 2, firstReadAt: at(2_000), lastReadAt: at(3_000) } },
    ]);
    expect(of('rep', 'Lead', 'l1')).toMatchObject([{ action: 'VIEW', metadata: null }]);
  });

  it('keeps the chain whole: the coalesced events verify like any other', async () => {
    const integrity = await server.graphql('{ auditLogIntegrity { ok eventsChecked } }', {}, admin);
    expect(integrity.data!.auditLogIntegrity.ok).toBe(true);
  });
});
