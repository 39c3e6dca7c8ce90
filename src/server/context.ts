import type { Knex, MikroORM } from '@mikro-orm/postgresql';
import type { AlertsRuntime } from '../alerts/alerts-runtime';
import type DataLoader from 'dataloader';
import type { Authentication } from '../auth/principal';
import type { EventWriter } from '../events/record-events';
import { createHistoryLoader, type HistoryKey } from '../history/history.loader';
import type { Logger } from '../observability/logger';
import type { AuditEventConnection } from '../reading/connection.type';
import type { RevertSettings } from '../revert/revert-settings';
import { createTimelineLoader, type TimelineKey, type TimelineEvent } from '../snapshots/timeline.loader';

/** What lives as long as the server: shared by every request. */
export interface Services extends EventWriter {
  knex: Knex;
  /** For reads of the audit log: PostgreSQL cancels their statements after READ_STATEMENT_TIMEOUT_MS. */
  reads: Knex;
  logger: Logger;
  /** For the features that keep tables of their own (saved filters). */
  orm?: MikroORM;
  revert?: RevertSettings;
  /** Set when the alert engine runs (src/alerts). */
  alerts?: AlertsRuntime;
}

/** What lives as long as one request (or one subscription). */
export interface RequestContext {
  auth: Authentication;
  services: Services;
  log: Logger;
  requestId: string;
  /** The caller's history loader; created on first use, so only for authenticated callers. */
  historyLoader(): DataLoader<HistoryKey, AuditEventConnection, string>;
  /** The caller's loader of record timelines (auditSnapshot, auditDiff); authenticated callers only. */
  timelineLoader(): DataLoader<TimelineKey, TimelineEvent[], string>;
}

export function createRequestContext(services: Services, auth: Authentication, requestId: string): RequestContext {
  let loader: DataLoader<HistoryKey, AuditEventConnection, string> | undefined;
  let timelines: DataLoader<TimelineKey, TimelineEvent[], string> | undefined;
  const log = services.logger.child({ requestId, tenant: auth.principal?.tenantId, subject: auth.principal?.subject });
  return {
    auth,
    services,
    log,
    requestId,
    historyLoader() {
      if (!auth.principal) throw new Error('history is read for an authenticated caller only');
      loader ??= createHistoryLoader(services.reads, auth.principal.tenantId);
      return loader;
    },
    timelineLoader() {
      if (!auth.principal) throw new Error('timelines are read for an authenticated caller only');
      timelines ??= createTimelineLoader(services.reads, auth.principal.tenantId);
      return timelines;
    },
  };
}

/** The caller's tenant; call only behind a rule that requires a principal. */
export function tenantOf(context: RequestContext): string {
  if (!context.auth.principal) throw new Error('tenantOf called without a principal');
  return context.auth.principal.tenantId;
}
