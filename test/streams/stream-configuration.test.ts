import { createHmac } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { userToken } from '../support/tokens';
import { sinkReceiver, type SinkReceiver } from './sink-receiver';
import {
  createStream,
  DELETE_STREAM,
  LIST_STREAMS,
  newTenant,
  recordChanges,
  TEST_STREAM,
  UPDATE_STREAM,
  CREATE_STREAM,
} from './stream-support';

const EVENTS = `query E($search: String) { auditEvents(search: $search, first: 20) { edges { node {
  entityType entityId changes { field oldValue newValue } metadata } } } }`;

let database: TestDatabase;
let server: TestServer;
let receiver: SinkReceiver;
const logLines: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  receiver = await sinkReceiver();
  server = await startTestServer({
    database,
    logLines,
    env: { OUTBOUND_ALLOWED_HOSTS: receiver.host, STREAMS_DELIVERY: 'off' },
  });
});
afterAll(async () => {
  await server.stop();
  await receiver.close();
  await database.drop();
});

describe('stream configuration', () => {
  it('creates, lists, updates and deletes streams, each change audited without the secret', async () => {
    const tenant = await newTenant();
    const secret = 'hec-token-that-must-never-show';
    const created = await createStream(server, tenant.admin, {
      kind: 'SPLUNK_HEC',
      endpoint: `${receiver.url}/`,
      secret,
      match: 'action:LOGIN_FAILED',
      options: { splunkAck: true, index: 'audit' },
    });
    expect(created).toMatchObject({
      kind: 'SPLUNK_HEC',
      format: 'NATIVE',
      status: 'ACTIVE',
      hasSecret: true,
      lagEvents: 0,
      options: { splunkAck: true, index: 'audit' },
    });
    const updated = await server.graphql(
      UPDATE_STREAM,
      { id: created.id, input: { name: 'paused', kind: 'SPLUNK_HEC', endpoint: `${receiver.url}/`, enabled: false } },
      tenant.admin,
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateAuditStream).toMatchObject({ name: 'paused', status: 'PAUSED', hasSecret: true });
    expect((await server.graphql(DELETE_STREAM, { id: created.id }, tenant.admin)).data).toEqual({
      deleteAuditStream: true,
    });
    expect((await server.graphql(LIST_STREAMS, {}, tenant.admin)).data!.auditStreams).toEqual([]);

    const audit = await server.graphql(EVENTS, { search: 'action:CONFIG_CHANGE entity:AuditStream' }, tenant.admin);
    const changes = audit.data!.auditEvents.edges.map(
      (edge: { node: { metadata: { operation: string } } }) => edge.node,
    );
    expect(changes.map((change: { metadata: { operation: string } }) => change.metadata.operation).sort()).toEqual([
      'createAuditStream',
      'deleteAuditStream',
      'updateAuditStream',
    ]);
    const everything = JSON.stringify(changes) + logLines.join('\n');
    expect(everything).not.toContain(secret);
  });

  it('stores the secret sealed (AES-256-GCM), never returns it, and keeps it when an update omits it', async () => {
    const tenant = await newTenant();
    const secret = 'dd-api-key-0123456789';
    const stream = await createStream(server, tenant.admin, { kind: 'DATADOG', endpoint: receiver.url, secret });
    const { secret: stored } = await database.db
      .knex('audit_streams')
      .where({ tenant_id: tenant.org, id: stream.id })
      .first();
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain(secret);
    expect(Buffer.from(stored.split(':')[3], 'base64').toString()).not.toContain(secret);
    const response = await server.graphql(
      UPDATE_STREAM,
      { id: stream.id, input: { name: 'renamed', kind: 'DATADOG', endpoint: receiver.url } },
      tenant.admin,
    );
    expect(response.data!.updateAuditStream.hasSecret).toBe(true);
    const after = await database.db.knex('audit_streams').where({ tenant_id: tenant.org, id: stream.id }).first();
    expect(after.secret).toBe(stored);
  });

  it('refuses bad input with BAD_USER_INPUT naming the field', async () => {
    const tenant = await newTenant();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ kind: 'WEBHOOK', endpoint: receiver.url, secret: 'k', match: 'action:DELETE colour:red' }, 'input.match'],
      [{ kind: 'WEBHOOK', endpoint: 'http://10.0.0.1/hook', secret: 'k' }, 'input.endpoint'],
      [{ kind: 'WEBHOOK', endpoint: 'http://localhost:9/hook', secret: 'k' }, 'input.endpoint'],
      [{ kind: 'WEBHOOK', endpoint: 'ftp://example.com/x', secret: 'k' }, 'input.endpoint'],
      [{ kind: 'WEBHOOK', endpoint: receiver.url }, 'input.secret'],
      [{ kind: 'SYSLOG', endpoint: 'tcp://example.com:514' }, 'input.endpoint'],
      [
        {
          kind: 'SENTINEL',
          endpoint: `${receiver.url}/logs`,
          secret: 's',
          options: { tokenUrl: receiver.url, clientId: 'c' },
        },
        'input.endpoint',
      ],
      [
        { kind: 'SENTINEL', endpoint: `${receiver.url}/dataCollectionRules/dcr-1/streams/Custom-Audit`, secret: 's' },
        'input.options.tokenUrl',
      ],
      [
        { kind: 'WEBHOOK', endpoint: receiver.url, secret: 'k', startAfterSequence: 'latest' },
        'input.startAfterSequence',
      ],
      [{ kind: 'WEBHOOK', endpoint: receiver.url, secret: 'k', name: ' ' }, 'input.name'],
    ];
    for (const [input, argument] of cases) {
      const response = await server.graphql(CREATE_STREAM, { input: { name: 'x', ...input } }, tenant.admin);
      expect({ argument, code: response.errors?.[0]?.extensions?.code, named: response.errors?.[0]?.message }).toEqual({
        argument,
        code: 'BAD_USER_INPUT',
        named: expect.stringContaining(argument),
      });
    }
  });

  it('is for admins only, and a tenant sees and changes only its own streams', async () => {
    const [owner, other] = [await newTenant(), await newTenant()];
    const stream = await createStream(server, owner.admin, { kind: 'WEBHOOK', endpoint: receiver.url, secret: 'k' });
    const user = await userToken(owner.org);
    for (const [query, variables] of [
      [LIST_STREAMS, {}],
      [DELETE_STREAM, { id: stream.id }],
      [TEST_STREAM, { id: stream.id }],
      [CREATE_STREAM, { input: { name: 'x', kind: 'WEBHOOK', endpoint: receiver.url, secret: 'k' } }],
    ] as const)
      expect((await server.graphql(query, variables, user)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.graphql(LIST_STREAMS, {}, other.admin)).data!.auditStreams).toEqual([]);
    const foreign = await server.graphql(DELETE_STREAM, { id: stream.id }, other.admin);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('testAuditStream sends one signed test record and reports the sink’s answer', async () => {
    const tenant = await newTenant();
    const stream = await createStream(server, tenant.admin, {
      kind: 'WEBHOOK',
      endpoint: `${receiver.url}/hook`,
      secret: 'hmac-key',
    });
    const before = receiver.requests.length;
    const ok = await server.graphql(TEST_STREAM, { id: stream.id }, tenant.admin);
    expect(ok.data!.testAuditStream).toMatchObject({ ok: true, status: 200 });
    const [sent] = receiver.requests.slice(before);
    const expected = createHmac('sha256', 'hmac-key')
      .update(`${sent.headers['x-audit-timestamp']}.${sent.body}`)
      .digest('hex');
    expect(sent.headers['x-audit-signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(sent.body).events[0].metadata).toMatchObject({ test: true });
    receiver.answer = () => ({ status: 401, body: '{"error":"bad signature"}' });
    try {
      const refused = await server.graphql(TEST_STREAM, { id: stream.id }, tenant.admin);
      expect(refused.data!.testAuditStream).toEqual({
        ok: false,
        status: 401,
        message: 'HTTP 401: {"error":"bad signature"}',
      });
    } finally {
      receiver.answer = () => ({ status: 200 });
    }
  });

  it('starts from now by default, or after a given sequence', async () => {
    const tenant = await newTenant();
    await recordEvents(server, tenant.service, recordChanges(3));
    const fromNow = await createStream(server, tenant.admin, {
      kind: 'WEBHOOK',
      endpoint: receiver.url,
      secret: 'k',
      match: 'action:UPDATE',
    });
    const all = await createStream(server, tenant.admin, {
      kind: 'WEBHOOK',
      endpoint: receiver.url,
      secret: 'k',
      match: 'action:UPDATE',
      startAfterSequence: '0',
    });
    expect(fromNow.lagEvents).toBe(0);
    expect(all.lagEvents).toBe(3);
  });
});
