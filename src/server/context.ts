import type { Knex } from '@mikro-orm/postgresql';
import type DataLoader from 'dataloader';
import type { Authentication } from '../auth/principal';
import type { EventWriter } from '../events/record-events';
import { createHistoryLoader, type HistoryKey } from '../history/history.loader';
import type { Logger } from '../observability/logger';
import type { AuditEventConnection } from '../reading/connection.type';

/** What lives as long as the server: shared by every request. */
export interface Services extends EventWriter {
  knex: Knex;
  logger: Logger;
}

/** What lives as long as one request (or one subscription). */
export interface RequestContext {
  auth: Authentication;
  services: Services;
  log: Logger;
  requestId: string;
  /** The caller's history loader; created on first use, so only for authenticated callers. */
  historyLoader(): DataLoader<HistoryKey, AuditEventConnection, string>;
}

export function createRequestContext(services: Services, auth: Authentication, requestId: string): RequestContext {
  let loader: DataLoader<HistoryKey, AuditEventConnection, string> | undefined;
  const log = services.logger.child({ requestId, tenant: auth.principal?.tenantId, subject: auth.principal?.subject });
  return {
    auth,
    services,
    log,
    requestId,
    historyLoader() {
      if (!auth.principal) throw new Error('history is read for an authenticated caller only');
      loader ??= createHistoryLoader(services.knex, auth.principal.tenantId);
      return loader;
    },
  };
}

/** The caller's tenant; call only behind a rule that requires a principal. */
export function tenantOf(context: RequestContext): string {
  if (!context.auth.principal) throw new Error('tenantOf called without a principal');
  return context.auth.principal.tenantId;
}
