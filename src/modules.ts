import { accessLogModule } from './access-log/access-log.module';
import { alertsModule } from './alerts/alerts.module';
import { checkpointsModule } from './checkpoints/checkpoints.module';
import { loadConfig, type AppConfig } from './config';
import type { AuditModule } from './core/module';
import { openDatabase, type Database, type DatabaseOptions } from './db/database';
import { erasureModule } from './erasure/erasure.module';
import { eventsModule } from './events/events.module';
import { exportsModule } from './exports/exports.module';
import { historyModule } from './history/history.module';
import { integrityModule } from './integrity/integrity.module';
import { jetStreamModule } from './jetstream/jetstream.module';
import { liveModule } from './live/live.module';
import { readingModule } from './reading/reading.module';
import { retentionModule } from './retention/retention.module';
import { restModule } from './rest/rest.module';
import { personalDataModule } from './personal-data/personal-data.module';
import { rolesModule } from './roles/roles.module';
import { revertModule } from './revert/revert.module';
import { savedFiltersModule } from './saved-filters/saved-filters.module';
import { snapshotsModule } from './snapshots/snapshots.module';
import { statsModule } from './stats/stats.module';
import { storageModule } from './storage/storage.module';
import { streamsModule } from './streams/streams.module';
import { tenantsModule } from './tenants/tenants.module';

/**
 * Every capability of the service, in start order: a new one is a folder with a `*.module.ts`
 * and one line here. The live module comes before those whose subscriptions it serves.
 */
export const modules: readonly AuditModule[] = [
  storageModule,
  eventsModule,
  erasureModule,
  rolesModule,
  personalDataModule,
  accessLogModule,
  readingModule,
  integrityModule,
  checkpointsModule,
  retentionModule,
  historyModule,
  snapshotsModule,
  revertModule,
  statsModule,
  savedFiltersModule,
  tenantsModule,
  liveModule,
  alertsModule,
  exportsModule,
  restModule,
  streamsModule,
  jetStreamModule,
];

/** The server's and every module's variables, read and validated once. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return loadConfig(
    env,
    modules.flatMap((module) => (module.settings ? [module.settings] : [])),
  );
}

/** The database with every module's tables and migrations. */
export function openAuditDatabase(options: Omit<DatabaseOptions, 'entities' | 'migrations'>): Promise<Database> {
  return openDatabase({
    ...options,
    entities: modules.flatMap((module) => module.entities ?? []),
    migrations: modules.flatMap((module) => module.migrations ?? []),
  });
}
