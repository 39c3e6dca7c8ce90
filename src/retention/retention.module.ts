import type { Knex } from '@mikro-orm/postgresql';
import type { ClientBase } from 'pg';
import { can } from '../auth/rules';
import { AuditPermission } from '../auth/permissions';
import { SIGNING_KEYS } from '../checkpoints/checkpoints.module';
import type { AuditModule } from '../core/module';
import { SEALED_VALUES } from '../core/sealed-values';
import { count, positive } from '../core/settings';
import { ARCHIVE_GENERATION, ARCHIVE_SEARCH } from '../reading/archive-search';
import { openPoolLike } from '../db/read-pool';
import { OBJECT_STORE } from '../storage/object-store';
import { signUnsignedIndexEntries } from './archive-index';
import { archiveGeneration, archiveSearch } from './archive-reader';
import { Migration20261202110000Retention } from './migrations/Migration20261202110000_retention';
import { Migration20261202160000ChainLinks } from './migrations/Migration20261202160000_chain_links';
import { tenantsWithEvents } from './policies';
import { retentionMetrics } from './retention-metrics';
import { runTenantRetention, type RetentionOptions } from './retention-run';
import { RETENTION_RUNNER, RetentionResolver } from './retention.resolver';
import type { RetentionRun } from './retention.types';

export const retentionSettings = {
  RETENTION_INTERVAL: count({
    default: 86400,
    desc: 'Seconds between scheduled retention runs over every tenant (0: only `applyRetention`)',
  }),
  RETENTION_FILE_ROWS: positive({ default: 100000, desc: 'Events per archive (Parquet) file at most' }),
  RETENTION_LOCK_TIMEOUT_MS: positive({
    default: 1000,
    desc: 'How long swapping a month partition may wait for the table lock (writers wait behind it) before the run retries later',
  }),
};

/** One replica at a time: a session advisory lock on a connection of its own. */
const RUN_LOCK = 'audit-retention-run';

async function exclusively<T>(knex: Knex, wait: boolean, work: () => Promise<T>): Promise<T | undefined> {
  const connection = (await knex.client.acquireConnection()) as ClientBase;
  try {
    const { rows } = await connection.query(
      wait ? 'SELECT pg_advisory_lock(hashtext($1)) AS locked' : 'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [RUN_LOCK],
    );
    if (rows[0].locked === false) return undefined;
    try {
      return await work();
    } finally {
      await connection.query('SELECT pg_advisory_unlock(hashtext($1))', [RUN_LOCK]);
    }
  } finally {
    await knex.client.releaseConnection(connection);
  }
}

/** Retention per category, legal holds, the searchable archive and the deletion log. */
export const retentionModule: AuditModule = {
  name: 'retention',
  settings: retentionSettings,
  resolvers: [RetentionResolver],
  rules: {
    Query: {
      retentionPolicies: can(AuditPermission.READ_EVENTS),
      legalHolds: can(AuditPermission.READ_EVENTS),
      deletionLog: can(AuditPermission.READ_EVENTS),
    },
    Mutation: {
      setRetentionPolicy: can(AuditPermission.MANAGE_RETENTION),
      placeLegalHold: can(AuditPermission.MANAGE_LEGAL_HOLDS),
      releaseLegalHold: can(AuditPermission.MANAGE_LEGAL_HOLDS),
      applyRetention: can(AuditPermission.MANAGE_RETENTION),
    },
  },
  openTypes: [
    'RetentionPolicy',
    'LegalHold',
    'DeletionRecord',
    'DeletionRecordEdge',
    'DeletionRecordConnection',
    'RetentionRun',
  ],
  migrations: [
    { name: 'Migration20261202110000_retention', class: Migration20261202110000Retention },
    { name: 'Migration20261202160000_chain_links', class: Migration20261202160000ChainLinks },
  ],
  async start({ config, db, services, logger }) {
    const settings = config.settings.of(retentionSettings);
    const store = services.get(OBJECT_STORE);
    const metrics = retentionMetrics(services.metrics);
    // A pool of its own: a run (its lock's connection, then one statement at a time) never takes
    // the connections the writers wait for.
    const pool = openPoolLike(db.knex, { size: 2, applicationName: 'audit-retention' });
    const keys = services.get(SIGNING_KEYS);
    const unsigned = await signUnsignedIndexEntries(pool, store, keys);
    if (unsigned.length)
      logger.warn(
        { files: unsigned },
        'retention: archive files whose count or range match nothing signed stay unsigned',
      );
    const options: RetentionOptions = {
      knex: pool,
      store,
      keys,
      blindIndex: services.get(SEALED_VALUES),
      logger,
      metrics,
      fileRows: settings.RETENTION_FILE_ROWS,
      lockTimeoutMs: settings.RETENTION_LOCK_TIMEOUT_MS,
    };
    const timed = async <T>(work: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await work();
      } finally {
        metrics.lastDuration.set((performance.now() - started) / 1000);
        metrics.lastRun.set(Date.now() / 1000);
      }
    };
    services.provide(ARCHIVE_SEARCH, archiveSearch(db.knex, store, services.get(SEALED_VALUES)));
    services.provide(ARCHIVE_GENERATION, archiveGeneration(db.knex));
    services.provide(RETENTION_RUNNER, async (tenantId: string): Promise<RetentionRun> => {
      const run = await exclusively(pool, true, () => timed(() => runTenantRetention(options, tenantId, new Date())));
      return run!;
    });
    let running: Promise<unknown> = Promise.resolve();
    const timer =
      settings.RETENTION_INTERVAL > 0
        ? setInterval(() => {
            running = exclusively(pool, false, () =>
              timed(async () => {
                for (const tenantId of await tenantsWithEvents(pool))
                  await runTenantRetention(options, tenantId, new Date());
              }),
            ).catch((err) => logger.error({ err }, 'retention run failed; the next run resumes it'));
          }, settings.RETENTION_INTERVAL * 1000).unref()
        : undefined;
    return {
      stop: async () => {
        clearInterval(timer);
        await running;
        await pool.destroy();
      },
    };
  },
};
