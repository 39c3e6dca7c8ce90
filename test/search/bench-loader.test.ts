import { Client } from 'pg';
import { copyGeneratedEvents, generatedEvent, type TenantSpan } from '../../bench/history/generated-events';
import { searchForms } from '../../bench/search/forms';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

/**
 * The search bench's dataset is copied in (bench/history/generated-events.ts), not sent through
 * `recordAuditEvents`: every search form must find the same events, in the same order, over the
 * copied events as over the same events recorded through the API, and the copied chain must verify.
 */

const SPAN: TenantSpan = {
  tenant: 'acme',
  total: 3_000,
  entities: 150,
  start: new Date('2026-03-03T00:00:00Z'),
  end: new Date('2026-05-20T00:00:00Z'),
};
const BATCH = 1_000;

const PAGE = `query($search: String, $filter: AuditEventFilter, $after: String) {
  auditEvents(first: 200, search: $search, filter: $filter, after: $after) {
    edges { node { id sequence } } pageInfo { hasNextPage endCursor }
  }
}`;
const INTEGRITY = `{ auditLogIntegrity { ok eventsChecked } }`;

interface Page {
  auditEvents: {
    edges: Array<{ node: { id: string; sequence: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

let copied: TestServer;
let recorded: TestServer;

beforeAll(async () => {
  [copied, recorded] = await Promise.all([startTestServer(), startTestServer()]);
  const client = new Client({ connectionString: copied.database.url });
  await client.connect();
  try {
    for (const month of ['2026-03-01', '2026-04-01', '2026-05-01'])
      await client.query('SELECT audit_ensure_partition($1::timestamptz)', [month]);
    const head = await copyGeneratedEvents([client], SPAN, () => undefined);
    await client.query(
      `INSERT INTO audit_log_heads (tenant_id, last_sequence, last_hash, last_recorded_at)
       VALUES ($1, $2::bigint, decode($3, 'hex'), $4)`,
      [SPAN.tenant, head.sequence.toString(), head.hash, head.recordedAt],
    );
  } finally {
    await client.end();
  }
  const token = await serviceToken(SPAN.tenant);
  for (let lo = 1; lo <= SPAN.total; lo += BATCH) {
    const events = Array.from({ length: BATCH }, (_, k) => generatedEvent(SPAN, lo + k));
    const response = await recorded.graphql(
      `mutation($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { recorded } }`,
      { events },
      token,
    );
    expect(response.errors).toBeUndefined();
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([copied?.stop(), recorded?.stop()]);
});

async function allIds(server: TestServer, token: string, variables: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const response: GraphQLResponse<Page> = await server.graphql<Page>(PAGE, { ...variables, after }, token);
    expect(response.errors).toBeUndefined();
    const { edges, pageInfo } = response.data!.auditEvents;
    ids.push(...edges.map((edge) => edge.node.id));
    if (!pageInfo.hasNextPage) return ids;
    after = pageInfo.endCursor;
  }
}

it('finds the same events in the same order over copied and recorded events, for every search form', async () => {
  const token = await adminToken(SPAN.tenant);
  const forms = searchForms('2026-04-10', ['2026-04-01', '2026-04-28']);
  const emptyCommonForms: string[] = [];
  for (const form of forms) {
    const variables = { search: form.search, filter: form.filter };
    const expected = await allIds(recorded, token, variables);
    expect({ form: form.name, ids: await allIds(copied, token, variables) }).toEqual({
      form: form.name,
      ids: expected,
    });
    if (form.kind === 'common' && expected.length === 0) emptyCommonForms.push(form.name);
  }
  // Not a comparison of empty answers: the common forms find events even in so small a log.
  expect(emptyCommonForms).toEqual([]);
}, 120_000);

it('copies a chain that verifies, with the sequences the write path gives', async () => {
  const token = await adminToken(SPAN.tenant);
  const report = await copied.graphql<{ auditLogIntegrity: { ok: boolean; eventsChecked: number } }>(
    INTEGRITY,
    {},
    token,
  );
  expect(report.data?.auditLogIntegrity).toEqual({ ok: true, eventsChecked: SPAN.total });
  const newest = await copied.graphql<Page>(PAGE, {}, token);
  expect(newest.data!.auditEvents.edges[0].node.sequence).toBe(String(SPAN.total));
});
