import { createTestDatabase, type TestDatabase } from '../support/database';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { expectDeliveredInOrder, sinkReceiver, type SinkReceiver, type SinkRequest } from './sink-receiver';
import { caughtUp, createStream, newTenant, recordChanges } from './stream-support';

type Doc = Record<string, any>;

/** id and sequence as each format carries them. */
const keyOf = (doc: Doc): { id: string; sequence: string } =>
  doc.metadata?.uid !== undefined
    ? { id: doc.metadata.uid, sequence: String(doc.metadata.sequence) }
    : doc.event?.id !== undefined
      ? { id: doc.event.id, sequence: String(doc.event.sequence) }
      : { id: doc.id, sequence: doc.sequence };

let database: TestDatabase;
let receiver: SinkReceiver;
let server: TestServer;
/** Per path prefix, how the sink under test answers. */
let answer: (request: SinkRequest) => ReturnType<SinkReceiver['answer']> = () => ({ status: 200 });

beforeAll(async () => {
  database = await createTestDatabase();
  receiver = await sinkReceiver((request) => answer(request));
  server = await startTestServer({
    database,
    env: {
      OUTBOUND_ALLOWED_HOSTS: receiver.host,
      STREAM_POLL_MS: '100',
      STREAM_RETRY_BASE_MS: '50',
      STREAM_RETRY_MAX_MS: '200',
      STREAM_TIMEOUT_MS: '5000',
    },
  });
});
afterAll(async () => {
  await server.stop();
  await receiver.close();
  await database.drop();
});
afterEach(() => {
  answer = () => ({ status: 200 });
});

const requestsTo = (prefix: string) => receiver.requests.filter((request) => request.path.startsWith(prefix));

it('SPLUNK_HEC: batched events to /services/collector/event, `Splunk` token, advanced only once the ack says indexed', async () => {
  const tenant = await newTenant();
  let ackId = 0;
  const polls = new Map<number, number>();
  const acknowledgedBatches: Doc[][] = [];
  const pending = new Map<number, Doc[]>();
  answer = (request) => {
    if (!request.path.startsWith(`/hec-${tenant.org}`)) return { status: 404 };
    if (request.headers.authorization !== 'Splunk hec-token')
      return { status: 401, body: '{"text":"Invalid token","code":4}' };
    const channel = request.headers['x-splunk-request-channel'];
    if (typeof channel !== 'string') return { status: 400, body: '{"text":"Data channel is missing","code":10}' };
    if (request.path.endsWith('/services/collector/event')) {
      const events = request.body.split('\n').map((line) => JSON.parse(line) as Doc);
      for (const event of events)
        expect(event).toMatchObject({ source: 'audit-subgraph', sourcetype: '_json', index: 'audit' });
      pending.set(
        ++ackId,
        events.map((event) => event.event),
      );
      return { status: 200, body: JSON.stringify({ text: 'Success', code: 0, ackId }) };
    }
    expect(request.path).toBe(`/hec-${tenant.org}/services/collector/ack?channel=${channel}`);
    const { acks } = JSON.parse(request.body) as { acks: number[] };
    const answered: Record<string, boolean> = {};
    for (const id of acks) {
      // Indexed at the second poll.
      polls.set(id, (polls.get(id) ?? 0) + 1);
      answered[id] = polls.get(id)! >= 2;
      if (answered[id] && pending.has(id)) {
        acknowledgedBatches.push(pending.get(id)!);
        pending.delete(id);
      }
    }
    return { status: 200, body: JSON.stringify({ acks: answered }) };
  };
  const stream = await createStream(server, tenant.admin, {
    kind: 'SPLUNK_HEC',
    endpoint: `${receiver.url}/hec-${tenant.org}`,
    secret: 'hec-token',
    match: 'action:UPDATE',
    options: { splunkAck: true, index: 'audit' },
  });
  const ids = await recordEvents(server, tenant.service, recordChanges(1500));
  await caughtUp(server, tenant.admin, stream.id);
  expectDeliveredInOrder(acknowledgedBatches.flat().map(keyOf), ids);
  const batches = requestsTo(`/hec-${tenant.org}/services/collector/event`);
  expect(batches.length).toBeGreaterThanOrEqual(2);
  for (const batch of batches) expect(batch.body.split('\n').length).toBeLessThanOrEqual(1000);
});

it('DATADOG: gzipped JSON arrays with DD-API-KEY, ≤ 1000 entries; a 413 halves the batch, a 429 waits', async () => {
  const tenant = await newTenant();
  let throttled = false;
  const accepted: Doc[] = [];
  answer = (request) => {
    if (!request.path.startsWith(`/dd-${tenant.org}`)) return { status: 404 };
    expect(request.headers['content-encoding']).toBe('gzip');
    expect(request.headers['content-type']).toBe('application/json');
    if (request.headers['dd-api-key'] !== 'dd-key') return { status: 403 };
    const entries = JSON.parse(request.body) as Doc[];
    expect(entries.length).toBeLessThanOrEqual(1000);
    expect(request.body.length).toBeLessThanOrEqual(5 * 1024 * 1024);
    if (!throttled) {
      throttled = true;
      return { status: 429, headers: { 'retry-after': '0' }, body: '{"errors":["Too many requests"]}' };
    }
    if (entries.length > 400) return { status: 413, body: '{"errors":["Payload too large"]}' };
    for (const entry of entries) {
      expect(entry).toMatchObject({ ddsource: 'audit-subgraph', service: 'audit-subgraph' });
      expect(entry.ddtags).toContain(`tenant:${tenant.org}`);
      accepted.push(JSON.parse(entry.message));
    }
    return { status: 202, body: '{}' };
  };
  const stream = await createStream(server, tenant.admin, {
    kind: 'DATADOG',
    endpoint: `${receiver.url}/dd-${tenant.org}/api/v2/logs`,
    secret: 'dd-key',
    match: 'action:UPDATE',
  });
  const ids = await recordEvents(server, tenant.service, recordChanges(1200));
  await caughtUp(server, tenant.admin, stream.id);
  // A batch whose answer came after the timeout on a loaded machine is sent again: only repeats, never a gap.
  expectDeliveredInOrder(accepted.map(keyOf), ids);
  expect(requestsTo(`/dd-${tenant.org}`).some((request) => JSON.parse(request.body).length > 400)).toBe(true);
});

it('ELASTIC: _bulk NDJSON of `create` actions keyed by event id, ECS documents; a partly refused bulk resumes at the first refusal', async () => {
  const tenant = await newTenant();
  const stored = new Map<string, Doc>();
  const order: Doc[] = [];
  let refusedOnce = false;
  answer = (request) => {
    if (!request.path.startsWith(`/es-${tenant.org}`)) return { status: 404 };
    expect(request.path).toBe(`/es-${tenant.org}/audit-events/_bulk`);
    expect(request.headers['content-type']).toBe('application/x-ndjson');
    expect(request.headers.authorization).toBe('ApiKey es-api-key');
    expect(request.body.endsWith('\n')).toBe(true);
    const lines = request.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Doc);
    const items: Array<{ create: Doc }> = [];
    for (let i = 0; i < lines.length; i += 2) {
      const id = lines[i].create._id as string;
      if (!refusedOnce && i === 20) {
        refusedOnce = true;
        items.push({
          create: { _id: id, status: 429, error: { type: 'es_rejected_execution_exception', reason: 'busy' } },
        });
        continue;
      }
      if (refusedOnce && items.some((item) => item.create.status === 429)) {
        items.push({ create: { _id: id, status: 429, error: { type: 'es_rejected_execution_exception' } } });
        continue;
      }
      if (stored.has(id)) {
        items.push({ create: { _id: id, status: 409, error: { type: 'version_conflict_engine_exception' } } });
        continue;
      }
      stored.set(id, lines[i + 1]);
      order.push(lines[i + 1]);
      items.push({ create: { _id: id, status: 201, result: 'created' } });
    }
    return {
      status: 200,
      body: JSON.stringify({ took: 1, errors: items.some((item) => item.create.status >= 300), items }),
    };
  };
  const stream = await createStream(server, tenant.admin, {
    kind: 'ELASTIC',
    endpoint: `${receiver.url}/es-${tenant.org}/audit-events`,
    secret: 'es-api-key',
    format: 'ECS',
    match: 'action:UPDATE',
  });
  const ids = await recordEvents(server, tenant.service, recordChanges(60));
  await caughtUp(server, tenant.admin, stream.id);
  expectDeliveredInOrder(order.map(keyOf), ids);
  expect(order[0]).toMatchObject({
    ecs: { version: '8.11.0' },
    event: { kind: 'event', category: ['database'], type: ['change'], action: 'update', outcome: 'success' },
    user: { id: 'jane', email: 'jane@example.com' },
  });
});

it('SENTINEL: a client-credentials token from the configured endpoint, then gzipped arrays to the DCR stream', async () => {
  const tenant = await newTenant();
  const tokens: string[] = [];
  const rows: Doc[] = [];
  answer = (request) => {
    if (request.path === `/entra-${tenant.org}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(request.body);
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(form)).toEqual({
        client_id: 'app-id',
        client_secret: 'app-secret',
        grant_type: 'client_credentials',
        scope: 'https://monitor.azure.com//.default',
      });
      tokens.push(`token-${tokens.length}`);
      return {
        status: 200,
        body: JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: tokens.at(-1) }),
      };
    }
    if (!request.path.startsWith(`/dce-${tenant.org}`)) return { status: 404 };
    expect(request.path).toBe(
      `/dce-${tenant.org}/dataCollectionRules/dcr-0123456789abcdef/streams/Custom-AuditEvents?api-version=2023-01-01`,
    );
    expect(request.headers['content-encoding']).toBe('gzip');
    if (request.headers.authorization !== `Bearer ${tokens.at(-1)}`) return { status: 401 };
    expect(request.raw.length).toBeLessThanOrEqual(1024 * 1024);
    const batch = JSON.parse(request.body) as Doc[];
    for (const row of batch) expect(typeof row.TimeGenerated).toBe('string');
    rows.push(...batch);
    return { status: 204 };
  };
  const stream = await createStream(server, tenant.admin, {
    kind: 'SENTINEL',
    endpoint: `${receiver.url}/dce-${tenant.org}/dataCollectionRules/dcr-0123456789abcdef/streams/Custom-AuditEvents`,
    secret: 'app-secret',
    format: 'OCSF',
    match: 'action:UPDATE',
    options: { tokenUrl: `${receiver.url}/entra-${tenant.org}/oauth2/v2.0/token`, clientId: 'app-id' },
  });
  const ids = await recordEvents(server, tenant.service, recordChanges(1100));
  await caughtUp(server, tenant.admin, stream.id);
  expectDeliveredInOrder(rows.map(keyOf), ids);
  expect(tokens).toHaveLength(1);
  expect(rows[0]).toMatchObject({ class_uid: 6003, activity_id: 3, type_uid: 600303, metadata: { version: '1.3.0' } });
});

it('SUMO_LOGIC: gzipped NDJSON to the source URL completed by the secret, at most 1 MB a request', async () => {
  const tenant = await newTenant();
  const lines: Doc[] = [];
  answer = (request) => {
    if (!request.path.startsWith(`/sumo-${tenant.org}`)) return { status: 404 };
    expect(request.path).toBe(`/sumo-${tenant.org}/receiver/v1/http/COLLECTOR-CODE==`);
    expect(request.headers['content-encoding']).toBe('gzip');
    expect(request.headers['x-sumo-category']).toBe('crm/audit');
    expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(1024 * 1024);
    lines.push(...request.body.split('\n').map((line) => JSON.parse(line) as Doc));
    return { status: 200 };
  };
  const stream = await createStream(server, tenant.admin, {
    kind: 'SUMO_LOGIC',
    endpoint: `${receiver.url}/sumo-${tenant.org}/receiver/v1/http`,
    secret: 'COLLECTOR-CODE==',
    match: 'action:UPDATE',
    options: { category: 'crm/audit' },
  });
  const padding = 'x'.repeat(12_000);
  const ids = await recordEvents(server, tenant.service, recordChanges(220, { metadata: { padding } }));
  await caughtUp(server, tenant.admin, stream.id);
  expectDeliveredInOrder(lines.map(keyOf), ids);
  expect(requestsTo(`/sumo-${tenant.org}`).length).toBeGreaterThanOrEqual(3);
  expect(stream.endpoint).not.toContain('COLLECTOR-CODE');
});
