import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { Principal } from '../auth/principal';
import { ActorType, AuditAction, AuditSource } from '../events/enums';
import type { AuditEventInput } from '../events/audit-event.input';
import { recordEvents } from '../events/record-events';
import type { Services } from '../server/context';

export interface ConfigChange<T> {
  result: T;
  entityType: 'AlertRule' | 'AuditAlert';
  entityId: string;
  operation: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  note?: string | null;
}

/**
 * Runs `work` and records its CONFIG_CHANGE event (old and new values) in the tenant's own log,
 * in one transaction: a change without its audit event, or the reverse, is never stored.
 */
export async function withConfigChange<T>(
  services: Services,
  caller: Principal,
  work: (em: EntityManager) => Promise<ConfigChange<T>>,
): Promise<T> {
  if (!services.orm) throw new Error('alerts need services.orm');
  const { result, heads } = await services.orm.em.fork().transactional(async (em) => {
    const change = await work(em);
    await em.flush();
    const trx = em.getTransactionContext<Knex.Transaction>()!;
    // A nested transaction (savepoint) of ours; commit listeners are told after the outer commit.
    const recorded = await recordEvents({ ...services, knex: trx, onCommitted: undefined }, caller, [
      toEventInput(caller, change),
    ]);
    return { result: change.result, heads: recorded.heads };
  });
  if (heads.size > 0) services.onCommitted?.(heads);
  return result;
}

function toEventInput<T>(caller: Principal, change: ConfigChange<T>): AuditEventInput {
  return {
    actor: { id: caller.subject, email: caller.email, role: caller.role, type: ActorType.USER },
    action: AuditAction.CONFIG_CHANGE,
    entityType: change.entityType,
    entityId: change.entityId,
    before: change.before,
    after: change.after,
    source: AuditSource.API,
    metadata: { operation: change.operation, ...(change.note ? { note: change.note } : {}) },
  };
}
