import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server';
import { adminToken, serviceToken, signToken, TEST_JWT_SECRET } from '../support/tokens';

/** 36 hexadecimal characters and dashes that are not a UUID: PostgreSQL's uuid refuses them. */
const NOT_A_UUID = '0123456789abcdef-0123456789abcdef-01';
const RECORD = 'mutation($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { recorded } }';

function expectRefusal(response: GraphQLResponse, argument: string, code = 'BAD_USER_INPUT') {
  expect(response.errors?.[0]).toMatchObject({ extensions: { code, argument } });
  expect(response.errors![0].message).toMatch(new RegExp(`^${argument.replace(/[[\].]/g, '\\$&')}: `));
}

/** A token signed like a real one, with claims jose's builder would not write. */
function tokenWithClaims(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256' })}.${part({ exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${unsigned}.${createHmac('sha256', TEST_JWT_SECRET).update(unsigned).digest('base64url')}`;
}

describe('hostile input is a coded refusal naming the argument, never a 500', () => {
  let server: TestServer;
  let admin: string;
  let service: string;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await adminToken('acme');
    service = await serviceToken('acme');
  });
  afterAll(() => server.stop());

  it.each([
    ['query($id: ID!) { auditEvent(id: $id) { id } }', 'id'],
    ['query($id: ID!) { savedFilter(id: $id) { id } }', 'id'],
    ['query($id: ID) { auditEvents(savedFilterId: $id) { edges { cursor } } }', 'savedFilterId'],
    ['query($id: ID) { auditStats(savedFilterId: $id, groupBy: [ACTION]) { total } }', 'savedFilterId'],
    ['mutation($id: ID!) { renameSavedFilter(id: $id, name: "x") { id } }', 'id'],
    ['mutation($id: ID!) { shareSavedFilter(id: $id) { id } }', 'id'],
    ['mutation($id: ID!) { deleteSavedFilter(id: $id) }', 'id'],
    ['mutation($id: ID!) { revertAuditChange(eventId: $id) { forced } }', 'eventId'],
    ['mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }', 'id'],
    ['mutation($id: ID!) { deleteAlertRule(id: $id) }', 'id'],
  ])('refuses a 36-character non-UUID id: %s', async (query, argument) => {
    expectRefusal(await server.graphql(query, { id: NOT_A_UUID }, admin), argument);
  });

  it.each(['AuditEvent', 'AuditAlert'])('refuses a non-UUID %s reference, naming it', async (typename) => {
    const response = await server.graphql(
      'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
      { r: [{ __typename: typename, id: NOT_A_UUID }] },
      admin,
    );
    expectRefusal(response, 'representations[0].id');
  });

  it.each([
    [{ __typename: 'Lead' }, 'representations[0].id'],
    [{ __typename: 'Lead', id: 'lead\u0000' }, 'representations[0].id'],
    [{ __typename: 'Lead', id: 12 }, 'representations[0].id'],
    [{ __typename: 'NoSuchType', id: 'x' }, 'representations[0].__typename'],
    [{ id: 'x' }, 'representations[0].__typename'],
  ])('refuses the entity reference %j', async (representation, argument) => {
    const response = await server.graphql(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Lead { auditHistory { edges { cursor } } } } }',
      { r: [representation] },
      admin,
    );
    expectRefusal(response, argument);
  });

  it.each([
    ['query($v: String) { auditEvents(search: $v) { edges { cursor } } }', 'search'],
    ['query($v: ID!) { auditEvents(filter: { entityIds: ["a", $v] }) { edges { cursor } } }', 'filter.entityIds[1]'],
    ['query($v: String) { auditEvents(filter: { field: $v }) { edges { cursor } } }', 'filter.field'],
    [
      'query($v: String!) { _entities(representations: [{ __typename: "Lead", id: "l" }]) { ... on Lead { auditHistory(filter: { fields: [$v] }) { edges { cursor } } } } }',
      'filter.fields[0]',
    ],
  ])('refuses a NUL in %s', async (query, argument) => {
    expectRefusal(await server.graphql(query, { v: 'a\u0000b' }, admin), argument);
  });

  it('refuses a NUL in a tenantId and stores nothing of the batch', async () => {
    const events = [
      { actor: { id: 'u' }, action: 'LOGIN', tenantId: 'nul-tenant' },
      { actor: { id: 'u' }, action: 'LOGIN', tenantId: 'nul\u0000tenant' },
    ];
    expectRefusal(await server.graphql(RECORD, { events }, service), 'events[1].tenantId');
    const stored = await server.database.db.knex('audit_events').where('tenant_id', 'nul-tenant').count();
    expect(Number(stored[0].count)).toBe(0);
  });

  it('refuses a token whose org holds a NUL, or whose sub is empty or not a string', async () => {
    for (const token of [
      await signToken({ org: 'ac\u0000me' }),
      await signToken({ sub: '' }),
      tokenWithClaims({ sub: 42, org: 'acme', role: 'ADMIN' }),
      tokenWithClaims({ sub: ['a'], org: 'acme', role: 'ADMIN' }),
    ]) {
      const response = await server.graphql('{ auditEvents { edges { cursor } } }', {}, token);
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses metadata nested 5,000 deep, naming it', async () => {
    // Written as text: JSON.stringify of such a value exhausts the test's own stack.
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
      body: `{"query":${JSON.stringify(RECORD)},"variables":{"events":[{"actor":{"id":"u"},"action":"LOGIN","metadata":{"deep":${deep}}}]}}`,
    });
    expectRefusal({ status: response.status, ...((await response.json()) as object) }, 'events[0].metadata');
  });

  it('refuses a recordCount no database column holds', async () => {
    const events = [{ actor: { id: 'u' }, action: 'EXPORT', metadata: { recordCount: 1e300 } }];
    expectRefusal(await server.graphql(RECORD, { events }, service), 'events[0].metadata.recordCount');
  });

  it('stores a link-local address with a zone index as the address alone', async () => {
    const events = [{ actor: { id: 'u' }, action: 'LOGIN', ipAddress: 'fe80::1%eth0' }];
    const response = await server.graphql(
      'mutation($events: [AuditEventInput!]!) { recordAuditEvents(events: $events) { events { ipAddress } } }',
      { events },
      service,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.recordAuditEvents.events[0].ipAddress).toBe('fe80::1');
  });

  it.each([
    [{ before: { a: 'x\u0000' }, after: { a: 'y' } }, 'events[0].before'],
    [{ before: { a: 'x'.repeat(40_000) }, after: { a: 'y' } }, 'events[0].before'],
    [{ before: { a: 'x' }, after: { a: 'y'.repeat(40_000) } }, 'events[0].after'],
    [{ before: { 'a.b': 1, a: { b: 2 } }, after: {} }, 'events[0].before'],
    [{ before: {}, after: { ['k'.repeat(300)]: 1 } }, 'events[0].after'],
    [{ before: {}, after: Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`f${i}`, i])) }, 'events[0].after'],
  ])('names what the caller sent, not the field changes computed from it: %#', async (snapshots, argument) => {
    const events = [{ actor: { id: 'u' }, action: 'UPDATE', ...snapshots }];
    expectRefusal(await server.graphql(RECORD, { events }, service), argument);
  });

  it.each(['9999999999999999999', '-9223372036854775809', '0000000000000000000'])(
    'refuses a cursor of %s microseconds',
    async (micros) => {
      const after = Buffer.from(`${micros}:00000000-0000-4000-8000-000000000000`).toString('base64url');
      const response = await server.graphql(
        'query($after: String) { auditEvents(after: $after) { edges { cursor } } }',
        { after },
        admin,
      );
      if (micros.startsWith('0')) expect(response.errors).toBeUndefined();
      else expectRefusal(response, 'after');
    },
  );

  it.each([
    ['mutation($z: String!) { setTenantTimeZone(timeZone: $z) { timeZone } }', 'timeZone'],
    ['query($z: String) { securityOverview(timeZone: $z) { timeZone } }', 'timeZone'],
    ['query($z: String) { auditStats(timeZone: $z, groupBy: [ACTION], interval: DAY) { total } }', 'timeZone'],
    [
      'mutation($z: String!) { createAlertRule(input: { name: "n", severity: LOW, match: "action:LOGIN", businessHours: { timeZone: $z } }) { id } }',
      'input.businessHours.timeZone',
    ],
  ])('refuses localtime and posixrules as time zones: %s', async (query, argument) => {
    for (const zone of ['localtime', 'posixrules', 'posix/Europe/Paris', 'Factory'])
      expectRefusal(await server.graphql(query, { z: zone }, admin), argument);
  });

  describe('request bodies', () => {
    async function post(body: string | Buffer, headers: Record<string, string> = {}) {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : new Uint8Array(body),
      });
      return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
    }

    it.each([
      ['malformed JSON', () => post('{"query": '), 400],
      ['bad gzip', () => post('not gzip at all', { 'content-encoding': 'gzip' }), 400],
      ['an unknown encoding', () => post('{}', { 'content-encoding': 'br2' }), 415],
      ['an oversized body', () => post(JSON.stringify({ query: `{ x }`, pad: 'x'.repeat(6_000_000) })), 413],
      [
        'gzip that inflates past the limit',
        () => post(gzipSync(JSON.stringify({ query: 'x'.repeat(6_000_000) })), { 'content-encoding': 'gzip' }),
        413,
      ],
    ])('answers %s with a JSON error and a 4xx', async (_name, send, status) => {
      const response = await send();
      expect(response.status).toBe(status);
      expect(response.type).toMatch(/^application\/json/);
      const body = JSON.parse(response.text) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(response.text).not.toMatch(/node_modules|\/work\/|at \w+ \(/);
    });
  });
});
