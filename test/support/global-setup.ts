import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../dev/embedded';
import { embeddedForTests } from './embedded-state';
import { pingNats, TEST_NATS_URL } from './nats-probe';
import { pingRedis, TEST_REDIS_URL } from './redis-probe';

/**
 * Decides which PostgreSQL server the test run uses and publishes its admin URL to the test files as
 * TEST_DATABASE_SERVER_URL (each test file then creates its own fresh database on it, see ./database.ts):
 * - TEST_DATABASE_URL or DATABASE_URL when set;
 * - otherwise ONE embedded PostgreSQL for the whole run, its data in a temporary folder removed at teardown.
 * Also pings Redis once, at TEST_REDIS_URL (default redis://127.0.0.1:6379), and tells the test files whether it
 * answered as TEST_REDIS_AVAILABLE=1 or 0: the tests that need it are skipped without it (see ./redis.ts); the same for
 * NATS with JetStream at TEST_NATS_URL (default nats://127.0.0.1:4222) as TEST_NATS_AVAILABLE (see ./nats.ts).
 */
export default async function globalSetup(): Promise<void> {
  const redis = await pingRedis();
  process.env.TEST_REDIS_URL = TEST_REDIS_URL;
  process.env.TEST_REDIS_AVAILABLE = redis ? '1' : '0';
  if (!redis) console.warn(`\nRedis does not answer at ${TEST_REDIS_URL}: the tests that need it are skipped`);
  const nats = await pingNats();
  process.env.TEST_NATS_URL = TEST_NATS_URL;
  process.env.TEST_NATS_AVAILABLE = nats ? '1' : '0';
  if (!nats)
    console.warn(`\nNATS with JetStream does not answer at ${TEST_NATS_URL}: the tests that need it are skipped`);
  const given = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (given) {
    process.env.TEST_DATABASE_SERVER_URL = given;
    return;
  }
  const root = await mkdtemp(path.join(tmpdir(), 'audit-subgraph-test-'));
  await chmod(root, 0o755); // so that, under root, the unprivileged server user can enter it
  const started = Date.now();
  const lines: string[] = [];
  try {
    const server = await startEmbeddedPostgres({
      dataDir: path.join(root, 'postgres'),
      durable: false,
      log: (line) => lines.push(line),
    });
    embeddedForTests.set({ server, root });
    process.env.TEST_DATABASE_SERVER_URL = server.url;
    if (process.env.DEBUG_EMBEDDED_POSTGRES) console.log(lines.join('\n'));
    console.log(`\nembedded PostgreSQL for this run: ${server.url} (started in ${Date.now() - started} ms)`);
  } catch (error) {
    console.error(lines.slice(-30).join('\n'));
    await embeddedForTests.cleanUp(root);
    throw error;
  }
}
