import { Client } from 'pg';
import { waitUntil } from '../support/wait';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

const TIMEOUT_MS = 200;

describe('the statement timeout of reads', () => {
  let server: TestServer;
  let locker: Client;

  beforeAll(async () => {
    server = await startTestServer({ env: { READ_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS) } });
    await recordEvents(server, await serviceToken('acme'), [{ actor: { id: 'u' }, action: 'LOGIN' }]);
    locker = new Client({ connectionString: server.database.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.end();
    await server.stop();
  });

  /** Until `count` sessions of the test database wait for a lock. */
  const waitForLockWaiters = async (count: number): Promise<void> => {
    let waiting = 0;
    await waitUntil(
      async () => {
        const { rows } = await locker.query(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        waiting = rows[0].waiting;
        return waiting >= count;
      },
      () => `${waiting} of ${count} sessions wait for a lock`,
    );
  };

  it('cancels a read that runs past it with QUERY_TIMEOUT, and never a write', async () => {
    const admin = await adminToken('acme');
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE');
    try {
      const write = server.graphql(
        'mutation { recordAuditEvents(events: [{ actor: { id: "u" }, action: LOGOUT }]) { recorded } }',
        {},
        await serviceToken('acme'),
      );
      await waitForLockWaiters(1);

      const started = performance.now();
      const read = await server.graphql('{ auditEvents { edges { node { id } } } }', {}, admin);
      const readMs = performance.now() - started;
      expect(read.errors).toEqual([
        expect.objectContaining({
          path: ['auditEvents'],
          message: expect.stringMatching(`longer than ${TIMEOUT_MS} ms`),
          extensions: { code: 'QUERY_TIMEOUT' },
        }),
      ]);
      expect(readMs).toBeGreaterThanOrEqual(TIMEOUT_MS);
      expect(readMs).toBeLessThan(5_000);
      const stats = await server.graphql('{ auditStats(groupBy: []) { total } }', {}, admin);
      expect(stats.errors).toEqual([expect.objectContaining({ extensions: { code: 'QUERY_TIMEOUT' } })]);

      // The write has waited longer than a read may run; it goes on once the lock is released.
      await locker.query('ROLLBACK');
      expect((await write).data).toEqual({ recordAuditEvents: { recorded: 1 } });
    } finally {
      await locker.query('ROLLBACK');
    }
    const after = await server.graphql('{ auditEvents { edges { node { action } } } }', {}, admin);
    expect(after.data!.auditEvents.edges.map((edge: { node: { action: string } }) => edge.node.action)).toEqual([
      'LOGOUT',
      'LOGIN',
    ]);
  });
});
