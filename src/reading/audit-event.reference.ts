import { adminProblem } from '../auth/admin-problem';
import { findEvent } from './event-reader';
import type { RequestContext } from '../core/context';
import type { AuditEvent } from '../events/audit-event.type';

/** `_entities` is open to the gateway, but an event behind it is for the tenant's admins only. */
export async function resolveAuditEventReference(
  reference: Pick<AuditEvent, 'id'>,
  context: RequestContext,
): Promise<AuditEvent | null> {
  const problem = adminProblem(context.auth);
  if (problem) throw problem;
  return findEvent(context.services.reads, context.auth.principal!.tenantId, reference.id);
}
