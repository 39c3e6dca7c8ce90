import { randomUUID } from 'node:crypto';
import { recordEvents } from '../support/events';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

const LIST = `query List($filter: AuditEventFilter, $search: String, $first: Int, $after: String) {
  auditEvents(filter: $filter, search: $search, first: $first, after: $after) {
    edges { cursor node { id entityId } } pageInfo { hasNextPage endCursor }
  }
}`;

const DAY_MS = 24 * 3600_000;
const startOfUtcDay = (ms: number) => ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
const day = (d: number, h = 12) => new Date(Date.UTC(2026, 9, d, h)).toISOString();

/** Each event's entityId names it, so that a test can say which ones a filter keeps. */
const EVENTS = [
  {
    entityId: 'jane-stage',
    actor: { id: 'jane', email: 'jane.smith@acme.com', role: 'SALES' },
    action: 'UPDATE',
    entityType: 'Opportunity',
    changes: [{ field: 'stage', oldValue: 'Qualification', newValue: 'Proposal' }],
    ipAddress: '203.0.113.7',
    source: 'UI',
    sessionId: 's-1',
    occurredAt: day(2),
  },
  {
    entityId: 'jane-amount',
    actor: { id: 'jane', email: 'jane.smith@acme.com', role: 'SALES' },
    action: 'UPDATE',
    entityType: 'Opportunity',
    changes: [
      { field: 'amount', oldValue: 100, newValue: 250 },
      { field: 'stage', oldValue: 'Proposal', newValue: 'Won' },
    ],
    ipAddress: '203.0.113.200',
    source: 'API',
    sessionId: 's-1',
    occurredAt: day(5),
  },
  {
    entityId: 'bob-login',
    actor: { id: 'bob', email: 'bob@acme.com', role: 'ADMIN' },
    action: 'LOGIN',
    ipAddress: '198.51.100.4',
    source: 'UI',
    sessionId: 's-2',
    occurredAt: day(5, 23),
    userAgent: 'Mozilla/5.0 Firefox/120',
  },
  {
    entityId: 'bob-create',
    actor: { id: 'bob', role: 'ADMIN' },
    action: 'CREATE',
    entityType: 'Lead',
    changes: [{ field: 'status', newValue: 'New' }],
    ipAddress: '2001:db8::1',
    source: 'IMPORT',
    occurredAt: day(7),
  },
  {
    entityId: 'svc-export',
    actor: { id: 'exporter', type: 'SERVICE' },
    action: 'EXPORT',
    metadata: { recordCount: 40, note: 'quarterly pipeline' },
    source: 'AUTOMATION',
    occurredAt: day(9),
  },
  {
    entityId: 'ann-delete',
    actor: { id: 'ann', role: 'SALES' },
    action: 'DELETE',
    entityType: 'Lead',
    source: 'UI',
    occurredAt: day(10),
  },
];

describe('auditEvents filters, search and pagination', () => {
  let server: TestServer;
  let admin: string;
  const ids = async (variables: Record<string, unknown>) => {
    const response = await server.graphql(LIST, { first: 500, ...variables }, admin);
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    return response.data!.auditEvents.edges.map((edge: { node: { entityId: string } }) => edge.node.entityId).sort();
  };

  beforeAll(async () => {
    server = await startTestServer();
    admin = await adminToken('acme');
    await recordEvents(server, await serviceToken('acme'), EVENTS);
    await recordEvents(server, await serviceToken('globex'), [{ ...EVENTS[0], entityId: 'other-tenant' }]);
  });
  afterAll(() => server.stop());

  it.each([
    [{}, ['ann-delete', 'bob-create', 'bob-login', 'jane-amount', 'jane-stage', 'svc-export']],
    [{ from: day(5), to: day(9) }, ['bob-create', 'bob-login', 'jane-amount', 'svc-export']],
    [{ actorIds: ['jane', 'ann'] }, ['ann-delete', 'jane-amount', 'jane-stage']],
    [{ actions: ['LOGIN', 'EXPORT'] }, ['bob-login', 'svc-export']],
    [{ categories: ['RECORD_CHANGE'] }, ['ann-delete', 'bob-create', 'jane-amount', 'jane-stage']],
    [{ entityTypes: ['Lead'] }, ['ann-delete', 'bob-create']],
    [{ entityIds: ['bob-login'] }, ['bob-login']],
    [{ sources: ['API', 'IMPORT'] }, ['bob-create', 'jane-amount']],
    [{ ip: '203.0.113.0/24' }, ['jane-amount', 'jane-stage']],
    [{ ip: '2001:db8::1' }, ['bob-create']],
    [{ field: 'stage' }, ['jane-amount', 'jane-stage']],
    [{ actions: ['UPDATE'], ip: '203.0.113.7' }, ['jane-stage']],
  ])('filter %j', async (filter, expected) => {
    expect(await ids({ filter })).toEqual(expected);
  });

  it('keeps only recent events with a preset', async () => {
    expect(await ids({ filter: { preset: 'LAST_7_DAYS' } })).toEqual([]);
  });

  it('keeps today (from 00:00 UTC) and the last 7×24 hours with presets, at any hour of any day', async () => {
    // Built around the real clock; an attempt that straddles midnight UTC is made again (at most once).
    for (let attempt = 1; ; attempt++) {
      const org = `presets-${randomUUID().slice(0, 8)}`;
      const now = Date.now();
      const midnight = startOfUtcDay(now);
      const at = (ms: number, entityId: string) => ({
        actor: { id: 'u1' },
        action: 'VIEW',
        entityId,
        occurredAt: new Date(ms).toISOString(),
      });
      await recordEvents(server, await serviceToken(org), [
        at(midnight, 'today-first'),
        at(midnight - 1, 'yesterday-last'),
        at(now - 7 * DAY_MS + 60_000, 'week-in'),
        at(now - 7 * DAY_MS - 60_000, 'week-out'),
      ]);
      const mine = async (preset: string) => {
        const response = await server.graphql(LIST, { first: 10, filter: { preset } }, await adminToken(org));
        if (response.errors) throw new Error(JSON.stringify(response.errors));
        return response.data!.auditEvents.edges.map((edge: { node: { entityId: string } }) => edge.node.entityId);
      };
      const [today, week] = [await mine('TODAY'), await mine('LAST_7_DAYS')];
      if (startOfUtcDay(Date.now()) !== midnight && attempt === 1) continue;
      expect(today).toEqual(['today-first']);
      expect(week.sort()).toEqual(['today-first', 'week-in', 'yesterday-last']);
      return;
    }
  });

  it.each([
    ['user:jane.smith', ['jane-amount', 'jane-stage']],
    ['user:bob@acme.com', ['bob-login']],
    ['user:bob', ['bob-create', 'bob-login']],
    ['role:admin', ['bob-create', 'bob-login']],
    ['-role:ADMIN', ['ann-delete', 'jane-amount', 'jane-stage', 'svc-export']],
    ['action:CREATE action:delete', ['ann-delete', 'bob-create']],
    ['category:DATA_EXPORT', ['svc-export']],
    ['source:ui', ['ann-delete', 'bob-login', 'jane-stage']],
    ['entity:opportunity', ['jane-amount', 'jane-stage']],
    ['id:bob-create', ['bob-create']],
    ['field:stage old_value:Qualification new_value:Proposal', ['jane-stage']],
    ['field:amount new_value:Won', []],
    ['new_value:250', ['jane-amount']],
    ['ip:203.0.113.0/24 -ip:203.0.113.7', ['jane-amount']],
    ['session:s-2', ['bob-login']],
    ['date:2026-10-05', ['bob-login', 'jane-amount']],
    ['date:>2026-10-07', ['ann-delete', 'svc-export']],
    ['date:<=2026-10-05T12:00:00Z', ['jane-amount', 'jane-stage']],
    ['date:2026-10-05..2026-10-07', ['bob-create', 'bob-login', 'jane-amount']],
    ['quarterly', ['svc-export']],
    ['"quarterly pipeline" action:EXPORT', ['svc-export']],
    ['firefox', ['bob-login']],
  ])('search %s', async (search, expected) => {
    expect(await ids({ search })).toEqual(expected);
  });

  it('ANDs the search with the filter', async () => {
    expect(await ids({ search: 'user:jane', filter: { sources: ['UI'] } })).toEqual(['jane-stage']);
  });

  it.each([
    [{ search: 'action:EXPLODE' }, 'search'],
    [{ search: 'user:"unterminated' }, 'search'],
    [{ search: 'date:2026-13-45' }, 'search'],
    [{ search: 'ip:10.0.0.0/99' }, 'search'],
    [{ filter: { ip: 'not-an-ip' } }, 'filter.ip'],
    [{ filter: { from: day(9), to: day(2) } }, 'filter.from'],
    [{ first: 0 }, 'first'],
    [{ first: 501 }, 'first'],
    [{ after: 'bm90LWEtY3Vyc29y' }, 'after'],
  ])('refuses %j naming %s', async (variables, argument) => {
    const response = await server.graphql(LIST, { first: 10, ...variables }, admin);
    expect(response.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(response.errors![0].message.startsWith(`${argument}: `)).toBe(true);
  });

  it('walks a large set page by page exactly once, ties on occurredAt broken by id', async () => {
    const occurredAt = '2026-09-15T08:00:00.000Z';
    const events = Array.from({ length: 1700 }, (_, i) => ({
      id: randomUUID(),
      actor: { id: 'bulk' },
      action: 'VIEW',
      entityType: 'Account',
      entityId: `walk-${i}`,
      occurredAt: i % 3 === 0 ? occurredAt : new Date(Date.parse(occurredAt) + i).toISOString(),
    }));
    await recordEvents(server, await serviceToken('acme'), events);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const response: GraphQLResponse = await server.graphql(
        LIST,
        { filter: { actorIds: ['bulk'] }, first: 137, after },
        admin,
      );
      const connection: {
        edges: Array<{ node: { id: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string };
      } = response.data!.auditEvents;
      seen.push(...connection.edges.map((edge: { node: { id: string } }) => edge.node.id));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      pages += 1;
    } while (after);
    expect(pages).toBe(Math.ceil(1700 / 137));
    expect(seen).toHaveLength(1700);
    expect(new Set(seen)).toEqual(new Set(events.map((event) => event.id)));
  });

  it('keeps PostgreSQL microseconds in cursors', async () => {
    const { knex } = server.app.services;
    await knex.raw('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    const before = await ids({ filter: { actorIds: ['bulk'] }, first: 1 });
    expect(before).toHaveLength(1);
    // Two events a microsecond apart: a millisecond cursor would skip or repeat one.
    const rows = await knex.raw(`
      INSERT INTO audit_events (tenant_id, sequence, id, occurred_at, recorded_at, actor_id, actor_type, action, category, source, hash)
      SELECT 'acme', 100000 + n, gen_random_uuid(), '2026-09-20T00:00:00.000001Z'::timestamptz + n * interval '1 microsecond', now(),
        'micro', 'USER', 'VIEW', 'DATA_ACCESS', 'API', '\\x00' FROM generate_series(0, 2) n RETURNING id`);
    await knex.raw('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    const walked: string[] = [];
    let after: string | null = null;
    do {
      const response: GraphQLResponse = await server.graphql(
        LIST,
        { filter: { actorIds: ['micro'] }, first: 1, after },
        admin,
      );
      walked.push(...response.data!.auditEvents.edges.map((edge: { node: { id: string } }) => edge.node.id));
      after = response.data!.auditEvents.pageInfo.hasNextPage ? response.data!.auditEvents.pageInfo.endCursor : null;
    } while (after);
    expect(walked.sort()).toEqual(rows.rows.map((row: { id: string }) => row.id).sort());
  });
});
