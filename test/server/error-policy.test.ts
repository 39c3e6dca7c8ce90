import { startTestServer, type TestServer } from '../support/server';
import { adminToken } from '../support/tokens';
import { subscribeOverWs } from '../live/live-support';

/**
 * One error policy on every transport and with either executor: an internal failure reaches the
 * caller as a bare INTERNAL_SERVER_ERROR with its path, never the database's words, and is logged
 * once with the request id.
 */
describe.each(['jit', 'graphql-js'])('an internal error, executed by %s', (executor) => {
  let server: TestServer;
  const logLines: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ env: { GRAPHQL_EXECUTOR: executor }, logLines });
  });
  afterAll(() => server.stop());

  /** Runs `work` while the table is out of the way: every statement on it then fails inside PostgreSQL. */
  async function withoutTable<T>(table: string, work: () => Promise<T>): Promise<T> {
    const { knex } = server.database.db;
    await knex.raw(`ALTER TABLE ${table} RENAME TO ${table}_away`);
    try {
      return await work();
    } finally {
      await knex.raw(`ALTER TABLE ${table}_away RENAME TO ${table}`);
    }
  }

  const internalLogLines = (requestId: string) =>
    logLines
      .map((line) => JSON.parse(line) as { level: number; requestId?: string; msg: string })
      .filter((line) => line.level >= 50 && line.requestId?.startsWith(requestId));

  it('over HTTP: masked, with path and locations, logged once with the request id', async () => {
    const requestId = `policy-http-${executor}`;
    const token = await adminToken('acme');
    const response = await withoutTable('tenant_settings', () =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'x-request-id': requestId,
        },
        body: JSON.stringify({ query: '{ tenantSettings { timeZone } }' }),
      }),
    );
    const text = await response.text();
    expect(text).not.toMatch(/tenant_settings|relation|does not exist|stack/i);
    const body = JSON.parse(text) as { errors: Array<Record<string, unknown>> };
    expect(body.errors).toEqual([
      {
        message: 'Internal server error',
        path: ['tenantSettings'],
        locations: [{ line: 1, column: 3 }],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      },
    ]);
    expect(internalLogLines(requestId)).toHaveLength(1);
  });

  it('over WebSocket: the same masking and logging', async () => {
    const sub = await withoutTable('saved_filters', async () => {
      const live = subscribeOverWs(
        server,
        await adminToken('acme'),
        'subscription($id: ID) { auditEventRecorded(savedFilterId: $id) { id } }',
        { id: '00000000-0000-4000-8000-000000000000' },
      );
      await live.ended;
      return live;
    });
    expect(JSON.stringify(sub.errors)).not.toMatch(/saved_filters|relation|does not exist/i);
    expect(sub.errors).toEqual([expect.objectContaining({ extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    expect(logLines.filter((line) => /saved_filters/.test(line))).toHaveLength(1);
  });
});
