import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken, userToken } from '../support/tokens';

const RECORD = `mutation Record($events: [AuditEventInput!]!) {
  recordAuditEvents(events: $events) {
    recorded duplicates
    events { id tenantId sequence occurredAt recordedAt action category entityType entityId source ipAddress
      actor { id email role type impersonatorId } changes { field oldValue newValue } location { country city latitude longitude } metadata }
  }
}`;

const LIST = `query List($filter: AuditEventFilter, $search: String, $first: Int, $after: String) {
  auditEvents(filter: $filter, search: $search, first: $first, after: $after) {
    edges { cursor node { id sequence action entityId } } pageInfo { hasNextPage endCursor }
  }
}`;

describe('recordAuditEvents', () => {
  let server: TestServer;
  let service: string;
  let admin: string;
  /** Before the server (and its migrations) prepared the months ahead: a month that begins meanwhile does not matter. */
  let startedAt: Date;

  beforeAll(async () => {
    startedAt = new Date();
    server = await startTestServer();
    service = await serviceToken('acme');
    admin = await adminToken('acme');
  });
  afterAll(() => server.stop());

  it('stores a batch, derives categories and turns before/after into dotted field changes', async () => {
    const response = await server.graphql(
      RECORD,
      {
        events: [
          {
            actor: { id: 'u1', email: 'jane.smith@acme.com', role: 'SALES' },
            action: 'UPDATE',
            entityType: 'Opportunity',
            entityId: 'opp-1',
            before: { stage: 'Qualification', amount: 100, address: { city: 'Paris' } },
            after: { stage: 'Proposal', amount: 100, address: { city: 'Lyon' } },
            ipAddress: '::ffff:203.0.113.9',
            source: 'UI',
          },
          { actor: { id: 'svc', type: 'SERVICE' }, action: 'EXPORT', metadata: { recordCount: 12 } },
        ],
      },
      service,
    );
    expect(response.errors).toBeUndefined();
    const { recorded, duplicates, events } = response.data!.recordAuditEvents;
    expect([recorded, duplicates]).toEqual([2, 0]);
    expect(events[0]).toMatchObject({
      tenantId: 'acme',
      sequence: '1',
      category: 'RECORD_CHANGE',
      ipAddress: '203.0.113.9',
      source: 'UI',
      actor: { id: 'u1', type: 'USER' },
      changes: [
        { field: 'address.city', oldValue: 'Paris', newValue: 'Lyon' },
        { field: 'stage', oldValue: 'Qualification', newValue: 'Proposal' },
      ],
    });
    expect(events[1]).toMatchObject({ sequence: '2', category: 'DATA_EXPORT', source: 'API', changes: [] });
  });

  it('stores text and JSON holding tabs, newlines, backslashes and quotes exactly as sent', async () => {
    const tricky = 'tab\there, line\nbreak, cr\r, back\\slash \\N, "quoted", {braces}, é ✓ 😀';
    const field = 'notes\\"odd,field}';
    const event = {
      actor: { id: `actor ${tricky}`, email: 'x@y.z', role: tricky },
      action: 'UPDATE',
      entityType: 'Lead',
      entityId: tricky,
      changes: [{ field, oldValue: { [tricky]: [tricky, 1.5, null] }, newValue: tricky }],
      userAgent: tricky,
      sessionId: tricky,
      location: { city: tricky, country: 'FR' },
      metadata: { note: tricky, nested: { '\\': '\t' } },
    };
    const writer = await serviceToken('escapes');
    const reader = await adminToken('escapes');
    const written = await server.graphql(RECORD, { events: [event] }, writer);
    expect(written.errors).toBeUndefined();
    const READ = `query($filter: AuditEventFilter) { auditEvents(filter: $filter) { edges { node {
      entityId userAgent sessionId actor { id role } changes { field oldValue newValue } location { city } metadata } } } }`;
    const read = await server.graphql(READ, { filter: { field } }, reader);
    expect(read.data!.auditEvents.edges.map((edge: { node: unknown }) => edge.node)).toEqual([
      {
        entityId: tricky,
        userAgent: tricky,
        sessionId: tricky,
        actor: { id: `actor ${tricky}`, role: tricky },
        changes: event.changes,
        location: { city: tricky },
        metadata: event.metadata,
      },
    ]);
    const integrity = await server.graphql('{ auditLogIntegrity { ok eventsChecked } }', {}, reader);
    expect(integrity.data!.auditLogIntegrity).toEqual({ ok: true, eventsChecked: 1 });
  });

  it('makes the monthly partition of an old import on demand, and keeps the next three months ready', async () => {
    const writer = await serviceToken('importer');
    const occurredAt = '2003-04-05T06:07:08.000Z';
    const written = await server.graphql(
      RECORD,
      { events: [{ actor: { id: 'legacy' }, action: 'BULK_IMPORT', occurredAt }] },
      writer,
    );
    expect(written.errors).toBeUndefined();
    expect(written.data!.recordAuditEvents.events[0].occurredAt).toBe(occurredAt);
    const { rows } = await server.app.services.knex.raw(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'audit_events'::regclass ORDER BY 1`,
    );
    const partitions = rows.map((row: { relname: string }) => row.relname);
    const month = (offset: number) => {
      const at = new Date(Date.UTC(startedAt.getUTCFullYear(), startedAt.getUTCMonth() + offset, 1));
      return `audit_events_${at.getUTCFullYear()}_${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
    };
    expect(partitions).toEqual(
      expect.arrayContaining(['audit_events_2003_04', month(0), month(1), month(2), month(3)]),
    );
  });

  it('stores the same id once and counts the resend as a duplicate', async () => {
    const event = { id: '7d7e4c35-7f0a-4d8e-9d59-6f3b2c1a0b11', actor: { id: 'u1' }, action: 'LOGIN' };
    const first = await server.graphql(RECORD, { events: [event] }, service);
    const again = await server.graphql(RECORD, { events: [event, event] }, service);
    expect(first.data!.recordAuditEvents).toMatchObject({ recorded: 1, duplicates: 0 });
    expect(again.data!.recordAuditEvents).toMatchObject({ recorded: 0, duplicates: 2 });
    expect(again.data!.recordAuditEvents.events[0].sequence).toBe(first.data!.recordAuditEvents.events[0].sequence);
  });

  it('stores the new events of a batch that resends stored ones, and each once', async () => {
    const stored = { id: '5a1c2e3f-4b5d-4e6f-8a7b-9c0d1e2f3a4b', actor: { id: 'u1' }, action: 'LOGIN' };
    const fresh = { id: '0e1d2c3b-4a59-4867-9564-738291a0b1c2', actor: { id: 'u1' }, action: 'LOGOUT' };
    const first = await server.graphql(RECORD, { events: [stored] }, service);
    const mixed = await server.graphql(RECORD, { events: [fresh, stored] }, service);
    const again = await server.graphql(RECORD, { events: [stored, fresh] }, service);
    expect(mixed.data!.recordAuditEvents).toMatchObject({ recorded: 1, duplicates: 1 });
    const [freshStored, storedAgain] = mixed.data!.recordAuditEvents.events;
    expect(storedAgain).toEqual(first.data!.recordAuditEvents.events[0]);
    expect(BigInt(freshStored.sequence)).toBeGreaterThan(BigInt(storedAgain.sequence));
    expect(again.data!.recordAuditEvents).toMatchObject({ recorded: 0, duplicates: 2 });
    expect(again.data!.recordAuditEvents.events).toEqual([storedAgain, freshStored]);
  });

  it('takes an id as unique within its tenant: the same id in two tenants is two events, each read in its tenant', async () => {
    const id = 'c3f1e2d4-5a6b-4c7d-8e9f-a0b1c2d3e4f5';
    const event = { id, actor: { id: 'u1' }, action: 'LOGIN' };
    const first = await server.graphql(
      RECORD,
      { events: [event, { ...event, tenantId: 'initech' }, { ...event, tenantId: 'initech' }] },
      service,
    );
    const again = await server.graphql(RECORD, { events: [{ ...event, tenantId: 'initech' }, event] }, service);
    expect(first.data!.recordAuditEvents).toMatchObject({ recorded: 2, duplicates: 1 });
    expect(first.data!.recordAuditEvents.events.map((stored: { tenantId: string }) => stored.tenantId)).toEqual([
      'acme',
      'initech',
      'initech',
    ]);
    expect(again.data!.recordAuditEvents).toMatchObject({ recorded: 0, duplicates: 2 });
    expect(again.data!.recordAuditEvents.events).toEqual([
      first.data!.recordAuditEvents.events[1],
      first.data!.recordAuditEvents.events[0],
    ]);
    const READ = 'query Read($id: ID!) { auditEvent(id: $id) { id tenantId sequence } }';
    const inAcme = await server.graphql(READ, { id }, admin);
    const inInitech = await server.graphql(READ, { id }, await adminToken('initech'));
    expect(inAcme.data!.auditEvent).toMatchObject({
      tenantId: 'acme',
      sequence: first.data!.recordAuditEvents.events[0].sequence,
    });
    expect(inInitech.data!.auditEvent).toMatchObject({ tenantId: 'initech', sequence: '1' });
  });

  it('refuses an id reused with other content, naming the event, and stores nothing of the batch', async () => {
    const id = '0b9a3c1e-2222-4c3d-8e9f-0123456789ab';
    await server.graphql(RECORD, { events: [{ id, actor: { id: 'u1' }, action: 'LOGIN' }] }, service);
    const response = await server.graphql(
      RECORD,
      {
        events: [
          { actor: { id: 'u2' }, action: 'VIEW', entityId: 'left-behind?' },
          { id, actor: { id: 'u1' }, action: 'LOGOUT' },
        ],
      },
      service,
    );
    expect(response.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(response.errors![0].message).toMatch(/^events\[1\]\.id: /);
    const list = await server.graphql(LIST, { filter: { entityIds: ['left-behind?'] } }, admin);
    expect(list.data!.auditEvents.edges).toHaveLength(0);
  });

  it.each([
    [{ actor: { id: 'u1' }, action: 'LOGIN', ipAddress: '300.1.1.1' }, 'events[1].ipAddress'],
    [{ actor: { id: '' }, action: 'LOGIN' }, 'events[1].actor.id'],
    [{ actor: { id: 'u1' }, action: 'LOGIN', occurredAt: '2999-01-01T00:00:00Z' }, 'events[1].occurredAt'],
    [{ actor: { id: 'u1' }, action: 'LOGIN', occurredAt: '1990-01-01T00:00:00Z' }, 'events[1].occurredAt'],
    [{ actor: { id: 'u1' }, action: 'UPDATE', metadata: { blob: 'x'.repeat(20000) } }, 'events[1].metadata'],
    [{ actor: { id: 'u1' }, action: 'EXPORT', metadata: { recordCount: -3 } }, 'events[1].metadata.recordCount'],
    [
      { actor: { id: 'u1' }, action: 'UPDATE', changes: [{ field: 'a', newValue: 'y'.repeat(40000) }] },
      'events[1].changes[0].newValue',
    ],
    [
      { actor: { id: 'u1' }, action: 'UPDATE', changes: [{ field: 'a' }, { field: 'a' }] },
      'events[1].changes[1].field',
    ],
    [{ actor: { id: 'u1' }, action: 'UPDATE', before: { a: 1 }, changes: [] }, 'events[1].changes'],
    [{ actor: { id: 'u1' }, action: 'UPDATE', entityType: 'drop table' }, 'events[1].entityType'],
    [{ actor: { id: 'u1' }, action: 'UPDATE', id: 'not-a-uuid' }, 'events[1].id'],
    [{ actor: { id: 'u1\u0000' }, action: 'UPDATE' }, 'events[1].actor.id'],
    [{ actor: { id: 'u1' }, action: 'LOGIN', location: { latitude: 91, longitude: 0 } }, 'events[1].location.latitude'],
    [{ actor: { id: 'u1' }, action: 'UPDATE', userAgent: 'agent \udc00 half' }, 'events[1].userAgent'],
    [{ actor: { id: 'u1' }, action: 'UPDATE', metadata: { note: 'half \ud800 a pair' } }, 'events[1].metadata'],
    [{ actor: { id: 'u1' }, action: 'UPDATE', metadata: { ['key \udc00']: 1 } }, 'events[1].metadata'],
    [
      { actor: { id: 'u1' }, action: 'UPDATE', changes: [{ field: 'a', oldValue: ['ok', { deep: '\udbff' }] }] },
      'events[1].changes[0].oldValue',
    ],
    [
      { actor: { id: 'u1' }, action: 'UPDATE', changes: [{ field: 'a', newValue: '\ud83d' }] },
      'events[1].changes[0].newValue',
    ],
    [{ actor: { id: 'u1' }, action: 'UPDATE', before: { a: 1 }, after: { a: 'x\udfff' } }, 'events[1].after'],
  ])('rejects bad input naming $1 and stores nothing', async (bad, argument) => {
    const marker = `batch-${Math.random()}`;
    const response = await server.graphql(
      RECORD,
      { events: [{ actor: { id: 'u1' }, action: 'VIEW', entityId: marker }, bad] },
      service,
    );
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    expect(response.errors![0].message).not.toMatch(/ at |node_modules|SQL/);
    const list = await server.graphql(LIST, { filter: { entityIds: [marker] } }, admin);
    expect(list.data!.auditEvents.edges).toHaveLength(0);
  });

  it('refuses an empty batch and one of more than 1000 events', async () => {
    const empty = await server.graphql(RECORD, { events: [] }, service);
    const tooMany = await server.graphql(
      RECORD,
      { events: Array.from({ length: 1001 }, () => ({ actor: { id: 'u' }, action: 'VIEW' })) },
      service,
    );
    for (const response of [empty, tooMany])
      expect(response.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'events' });
  });

  it('lets a SERVICE write for another tenant, and only a SERVICE write at all', async () => {
    const other = await server.graphql(
      RECORD,
      { events: [{ tenantId: 'globex', actor: { id: 'u9' }, action: 'LOGIN' }] },
      service,
    );
    expect(other.data!.recordAuditEvents.events[0].tenantId).toBe('globex');
    const byAdmin = await server.graphql(RECORD, { events: [{ actor: { id: 'u9' }, action: 'LOGIN' }] }, admin);
    const byUser = await server.graphql(
      RECORD,
      { events: [{ actor: { id: 'u9' }, action: 'LOGIN' }] },
      await userToken(),
    );
    const anonymous = await server.graphql(RECORD, { events: [{ actor: { id: 'u9' }, action: 'LOGIN' }] });
    expect(byAdmin.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect(byUser.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect(anonymous.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('gives a tenant gap-free sequences in commit order under concurrent batches', async () => {
    const batches = Array.from({ length: 8 }, (_, b) =>
      server.graphql(
        RECORD,
        {
          events: Array.from({ length: 25 }, (_, i) => ({
            tenantId: 'seq-tenant',
            actor: { id: `u${b}` },
            action: 'VIEW',
            entityId: `${b}-${i}`,
          })),
        },
        service,
      ),
    );
    const results = await Promise.all(batches);
    const sequences = results.flatMap((r) =>
      r.data!.recordAuditEvents.events.map((e: { sequence: string }) => Number(e.sequence)),
    );
    expect([...sequences].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const result of results) {
      const batch = result.data!.recordAuditEvents.events.map((e: { sequence: string }) => Number(e.sequence));
      expect(batch).toEqual(Array.from({ length: 25 }, (_, i) => batch[0] + i));
    }
  });
});
