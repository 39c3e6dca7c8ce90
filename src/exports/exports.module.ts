import { existsSync, readFileSync } from 'node:fs';
import { can } from '../auth/rules';
import { SIGNING_KEYS } from '../checkpoints/checkpoints.module';
import { SEALED_VALUES } from '../core/sealed-values';
import { AuditPermission } from '../auth/permissions';
import { AuditError, ErrorCode } from '../errors';
import type { AuditModule, ModuleRuntime, RunningModule } from '../core/module';
import { PERSONAL_FIELD_SOURCE } from '../events/redaction';
import { PostgresFanout } from '../live/postgres-fanout';
import { ARCHIVE_GENERATION, ARCHIVE_SEARCH } from '../reading/archive-search';
import { OBJECT_STORE } from '../storage/object-store';
import { downloadRoutes } from './download-routes';
import { signDownloadLink, verifyDownloadLink } from './download-link';
import { EXPORT_CHANNEL } from './export-jobs';
import { ExportProgressHub } from './export-progress';
import { ExportWorker } from './export-worker';
import { exportSettings, exportUrlSecret } from './exports-settings';
import { EXPORTS } from './exports-runtime';
import { ExportsResolver } from './exports.resolver';
import { deliverExport } from './schedules/deliver-export';
import { runDueSchedules } from './schedules/run-schedule';
import { ExportSchedulesResolver } from './schedules/schedules.resolver';
import { Migration20261202110000ExportSchedules } from './migrations/Migration20261202110000_export_schedules';
import { Migration20261202100000Exports } from './migrations/Migration20261202100000_exports';
import { Migration20261202120000ExportScheduleHostKey } from './migrations/Migration20261202120000_export_schedule_host_key';
import { Migration20261202125000ExportMasking } from './migrations/Migration20261202125000_export_masking';

async function startExports({ config, db, services, logger }: ModuleRuntime): Promise<RunningModule> {
  const settings = config.settings.of(exportSettings);
  const log = logger.child({ feature: 'exports' });
  const secret = exportUrlSecret(settings, config.production);
  if (!settings.EXPORT_URL_SECRET)
    log.warn('EXPORT_URL_SECRET is not set: download links are signed with a development key');
  const databaseUrl = db.orm.config.getClientUrl();
  const hub = new ExportProgressHub(services.reads, log);
  const downloadLink = (row: { tenant_id: string; id: string }, origin: string | undefined) => {
    const base = settings.EXPORT_PUBLIC_URL ?? origin;
    return base && secret ? signDownloadLink(secret, base, { tenantId: row.tenant_id, exportId: row.id }) : null;
  };
  const worker = settings.EXPORT_WORKER
    ? new ExportWorker(
        db.knex,
        services,
        () => services.get(OBJECT_STORE),
        {
          databaseUrl,
          leaseMs: settings.EXPORT_LEASE_MS,
          pollMs: settings.EXPORT_POLL_MS,
          retentionMs: settings.EXPORT_RETENTION_SECONDS * 1000,
          maxRowsPerSecond: settings.EXPORT_MAX_ROWS_PER_SECOND,
          archive: { search: services.get(ARCHIVE_SEARCH), generation: services.get(ARCHIVE_GENERATION) },
          keys: services.get(SIGNING_KEYS),
          sealed: services.get(SEALED_VALUES),
          runDueSchedules: () => runDueSchedules(db.knex, services.get(PERSONAL_FIELD_SOURCE)),
          afterSuccess: (row) =>
            deliverExport(
              {
                knex: db.knex,
                store: () => services.get(OBJECT_STORE),
                outbound: services.outbound,
                link: (exported, base) => downloadLink(exported, base ?? undefined),
                smtpUrl: settings.EXPORT_SMTP_URL,
                smtpFrom: settings.EXPORT_SMTP_FROM,
                sftpPrivateKey: settings.EXPORT_SFTP_PRIVATE_KEY_PATH
                  ? readFileSync(settings.EXPORT_SFTP_PRIVATE_KEY_PATH, 'utf8')
                  : undefined,
                log,
              },
              row,
            ),
          pdf: {
            maxEvents: settings.EXPORT_PDF_MAX_EVENTS,
            fontPath: existsSync(settings.EXPORT_PDF_FONT) ? settings.EXPORT_PDF_FONT : null,
          },
        },
        log,
      )
    : null;
  const fanout = new PostgresFanout(databaseUrl, log, EXPORT_CHANNEL);
  await fanout.start({
    onNotice: (notice) => {
      hub.onNotice(notice);
      worker?.wake();
    },
    onResync: () => hub.onResync(),
  });
  services.provide(EXPORTS, {
    hub,
    downloadLink,
    verifyLink: (exportId, query) => {
      if (secret === null)
        throw new AuditError(ErrorCode.NotServedHere, 'Downloads wait for EXPORT_URL_SECRET to be set');
      return verifyDownloadLink(secret, exportId, query);
    },
    wakeWorker: () => worker?.wake(),
  });
  worker?.start();
  return {
    async stop() {
      await worker?.stop();
      await fanout.stop();
    },
  };
}

/** Exports of the log to the object store, their progress, and their signed downloads. */
export const exportsModule: AuditModule = {
  name: 'exports',
  resolvers: [ExportsResolver, ExportSchedulesResolver],
  rules: {
    Query: {
      auditExport: can(AuditPermission.EXPORT),
      auditExports: can(AuditPermission.EXPORT),
      auditExportSchedules: can(AuditPermission.EXPORT),
    },
    Mutation: {
      startAuditExport: can(AuditPermission.EXPORT),
      startSubjectAccessExport: can(AuditPermission.EXPORT, AuditPermission.READ_PERSONAL_DATA),
      cancelAuditExport: can(AuditPermission.EXPORT),
      createAuditExportSchedule: can(AuditPermission.EXPORT),
      deleteAuditExportSchedule: can(AuditPermission.EXPORT),
      runAuditExportSchedule: can(AuditPermission.EXPORT),
    },
    Subscription: { auditExportProgress: can(AuditPermission.EXPORT) },
  },
  openTypes: ['AuditExport', 'AuditExportConnection', 'AuditExportEdge', 'AuditExportSchedule'],
  migrations: [
    { name: 'Migration20261202100000_exports', class: Migration20261202100000Exports },
    { name: 'Migration20261202110000_export_schedules', class: Migration20261202110000ExportSchedules },
    { name: 'Migration20261202120000_export_schedule_host_key', class: Migration20261202120000ExportScheduleHostKey },
    { name: 'Migration20261202125000_export_masking', class: Migration20261202125000ExportMasking },
  ],
  settings: exportSettings,
  routes: downloadRoutes,
  start: startExports,
};
