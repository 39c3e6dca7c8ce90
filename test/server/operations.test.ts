import { getIntrospectionQuery, parse } from 'graphql';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

describe('operating the service', () => {
  let server: TestServer;
  const logLines: string[] = [];
  let service: string;

  beforeAll(async () => {
    server = await startTestServer({ logLines });
    service = await serviceToken('acme');
  });
  afterAll(() => server.stop());

  it('answers /healthz, and /readyz only while migrations are applied', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const { knex } = server.app.services;
    const { rows: migrations } = await knex.raw('DELETE FROM mikro_orm_migrations RETURNING name, executed_at');
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await knex('mikro_orm_migrations').insert(migrations);
    }
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('counts writes, batches, rejections and write latency in /metrics', async () => {
    await recordEvents(server, service, [
      { actor: { id: 'u' }, action: 'LOGIN' },
      { actor: { id: 'u' }, action: 'LOGOUT' },
    ]);
    await server.graphql(
      'mutation { recordAuditEvents(events: [{ actor: { id: "u" }, action: LOGIN, ipAddress: "nope" }]) { recorded } }',
      {},
      service,
    );
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^audit_events_written_total 2$/m);
    expect(text).toMatch(/^audit_event_batches_total\{outcome="stored"\} 1$/m);
    expect(text).toMatch(/^audit_event_batches_total\{outcome="rejected"\} 1$/m);
    expect(text).toMatch(/^audit_rejected_inputs_total\{reason="event"\} 1$/m);
    expect(text).toMatch(/^audit_event_write_duration_seconds_count 2$/m);
  });

  it('logs JSON with request id and tenant, and never tokens or field values', async () => {
    logLines.length = 0;
    await recordEvents(server, service, [
      { actor: { id: 'u' }, action: 'UPDATE', changes: [{ field: 'ssn', newValue: 'SECRET-VALUE-123' }] },
    ]);
    const entries = logLines.map((line) => JSON.parse(line));
    expect(entries.some((entry) => entry.requestId && entry.tenant === 'acme' && entry.recorded === 1)).toBe(true);
    const everything = logLines.join('\n');
    expect(everything).not.toContain('SECRET-VALUE-123');
    expect(everything).not.toContain(service);
  });

  it.each([
    ['query($f: Int) { auditEvents(first: $f) { edges { cursor } } }', { f: 'x' }, 'admin'],
    [
      'query($f: AuditEventFilter) { auditEvents(filter: $f) { edges { cursor } } }',
      { f: { actions: ['NOPE'] } },
      'admin',
    ],
    [
      'query($f: AuditEventFilter) { auditEvents(filter: $f) { edges { cursor } } }',
      { f: { from: 'yesterday' } },
      'admin',
    ],
    [
      'mutation($e: [AuditEventInput!]!) { recordAuditEvents(events: $e) { recorded } }',
      { e: [{ action: 'LOGIN' }] },
      'service',
    ],
  ])('answers a malformed variable with BAD_USER_INPUT naming it: %s', async (query, variables, role) => {
    const token = role === 'admin' ? await adminToken('acme') : service;
    const response = await server.graphql(query, variables, token);
    expect(response.status).toBe(400);
    expect(response.errors![0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringMatching(/^Variable "\$[fe]"/),
    });
  });

  it('refuses a body over the size limit', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
      body: JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(6 * 1024 * 1024) } }),
    });
    expect(response.status).toBe(413);
  });

  it('refuses queries nested too deep or too costly before running them', async () => {
    const admin = await adminToken('acme');
    const deep = `{ auditEvents { edges { node { actor { id } } } } ${'__typename '.repeat(1)} }`;
    expect((await server.graphql(deep, {}, admin)).errors).toBeUndefined();
    const nested = `{ _entities(representations: []) { ... on Lead { auditHistory { edges { node { actor { id } } } } } } }`;
    expect((await server.graphql(nested, {}, admin)).errors).toBeUndefined();
    const introspection = await server.graphql(getIntrospectionQuery(), {}, admin);
    expect(introspection.errors).toBeUndefined();
    const ofTypes = (n: number): string => (n === 0 ? 'name' : `ofType { ${ofTypes(n - 1)} }`);
    const tooDeep = `fragment F on AuditEvent { actor { id } } query { a: auditEvents { edges { node { ...F } } } x: __schema { types { fields { type { ${ofTypes(17)} } } } } }`;
    const deepResponse = await server.graphql(tooDeep, {}, admin);
    expect(deepResponse.status).toBe(400);
    expect(deepResponse.errors![0]).toMatchObject({
      extensions: { code: 'QUERY_TOO_COMPLEX' },
      message: expect.stringMatching(/nested 2\d levels/),
    });
    const { documentShape } = await import('../../src/execution/query-limits');
    const deepData = parse(`fragment F on AuditEvent { actor { id } } { auditEvents { edges { node { ...F } } } }`);
    expect(documentShape(deepData)).toEqual({ dataDepth: 5, depth: 5, selections: 6 });
    const page =
      'auditEvents(first: 500) { edges { node { id actor { id email role type } changes { field oldValue newValue } } } }';
    const costly = `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: ${page}`).join(' ')} }`;
    const costlyResponse = await server.graphql(costly, {}, admin);
    expect(costlyResponse.errors![0]).toMatchObject({
      extensions: { code: 'QUERY_TOO_COMPLEX' },
      message: expect.stringMatching(/would cost/),
    });
  });
});
