import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { Principal } from '../auth/principal';
import type { RequestContext } from '../core/context';
import type { AuditEventInput } from './audit-event.input';
import { adminActor } from './admin-event';
import { AuditAction, AuditSource } from './enums';
import { recordEvents, writerOf } from './record-events';

export interface ConfigChange<T> {
  result: T;
  /** What was configured: `AlertRule`, `AuditAlert`, `SavedFilter`, `TenantSettings`. */
  entityType: string;
  entityId: string;
  operation: string;
  /** CONFIG_CHANGE unless the change has an action of its own (RETENTION_CHANGE for retention policies). */
  action?: AuditAction;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  note?: string | null;
}

/**
 * Runs an admin's change to this service's own settings and records its CONFIG_CHANGE event (old and new values) in the tenant's own log,
 * in one transaction: a change without its audit event, or the reverse, is never stored.
 */
export async function withConfigChange<T>(
  context: RequestContext,
  work: (em: EntityManager) => Promise<ConfigChange<T>>,
): Promise<T> {
  const { services } = context;
  const caller = context.auth.principal;
  if (!caller) throw new Error('configuration changes are made by an authenticated caller only');
  const { result, committed } = await context.em().transactional(async (em) => {
    const change = await work(em);
    await em.flush();
    const trx = em.getTransactionContext<Knex.Transaction>()!;
    const recorded = await recordEvents(writerOf(services, trx), caller, [toEventInput(caller, change)]);
    return { result: change.result, committed: recorded };
  });
  if (committed.heads.size > 0) services.bus.committed(committed);
  return result;
}

function toEventInput<T>(caller: Principal, change: ConfigChange<T>): AuditEventInput {
  return {
    actor: adminActor(caller),
    action: change.action ?? AuditAction.CONFIG_CHANGE,
    entityType: change.entityType,
    entityId: change.entityId,
    before: change.before,
    after: change.after,
    source: AuditSource.API,
    metadata: { operation: change.operation, ...(change.note ? { note: change.note } : {}) },
  };
}
