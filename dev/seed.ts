/**
 * Loads a demo history (about six weeks, a few thousand events) for tenant `demo` into the database `npm start`
 * uses: DATABASE_URL, else the embedded PostgreSQL under ./.data/ (reused when `npm start` is running it).
 *   npm run seed [-- --tenant demo]
 * Events go through the service's own write path as a SERVICE caller, with stable ids: running it again stores
 * nothing twice. Servers running on the same database see the new events live (PostgreSQL NOTIFY).
 * Refused when NODE_ENV=production.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { CommitBus } from '../src/core/commit-bus';
import { loadAppConfig, openAuditDatabase } from '../src/modules';
import { createLogger } from '../src/observability/logger';
import { resolveDatabaseUrl } from './resolve-database-url';
import { PartitionKeeper } from '../src/events/partitions';
import { SubjectKeyedValues } from '../src/erasure/open-rows';
import { encodeCommitNotice, LIVE_CHANNEL } from '../src/live/commit-notice';
import { Metrics } from '../src/observability/metrics';
import { DEMO_TENANT } from './seed/demo-history';
import { SeedConflictError, seedDemoHistory } from './seed/seed-demo';
import { writePathTarget } from './seed/seed-targets';

const usage = 'usage: npm run seed [-- --tenant <tenant id>]   (default tenant: demo)';
/** The embedded server's own log, shown only when the seed fails. */
const postgresLog: string[] = [];

async function main(): Promise<void> {
  if (process.env.NODE_ENV === 'production')
    throw new Error('refused: demo data is not loaded when NODE_ENV=production');
  const { values } = parseArgs({
    options: { tenant: { type: 'string', default: DEMO_TENANT }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) return void process.stdout.write(`${usage}\n`);
  const tenant = values.tenant;

  const started = Date.now();
  const config = loadAppConfig();
  const database = await resolveDatabaseUrl(config, {
    log: (line) => {
      if (!line.startsWith('postgres: ')) return void process.stderr.write(`${line}\n`);
      if (postgresLog.push(line) > 40) postgresLog.shift();
    },
  });
  try {
    const db = await openAuditDatabase({ url: database.url });
    try {
      await db.migrate();
      const writer = {
        knex: db.knex,
        partitions: new PartitionKeeper(db.knex),
        metrics: new Metrics({ defaultMetrics: false }),
        bus: new CommitBus(createLogger('silent')),
        // The demo history is made-up people: stored as sent, even under a master key.
        sealer: null,
        sealed: new SubjectKeyedValues(null),
      };
      // Running servers hear of the seeded commits as of any other writer's.
      writer.bus.announceWith({ channel: LIVE_CHANNEL, payload: (heads) => encodeCommitNotice(heads) });
      const report = await seedDemoHistory(writePathTarget(writer), {
        tenant,
        log: (line) => process.stdout.write(`${line}\n`),
      });
      const where = database.embedded ? 'the embedded PostgreSQL' : 'DATABASE_URL';
      process.stdout.write(
        `done in ${((Date.now() - started) / 1000).toFixed(1)} s (${where}). ` +
          `Explore it: npm start, then open http://localhost:${config.port}/graphql\n`,
      );
      if (!report.fresh && report.recorded === 0)
        process.stdout.write('(nothing new: this history was loaded before)\n');
    } finally {
      await db.close();
    }
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  const ours = error instanceof SeedConflictError || (error as { extensions?: unknown }).extensions !== undefined;
  if (postgresLog.length && !ours) process.stderr.write(`${postgresLog.join('\n')}\n`);
  const badArgument = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`npm run seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
  if (badArgument) process.stderr.write(`${usage}\n`);
  process.exit(1);
});
