import { AuditPermission, requirePermissions } from '../auth/permissions';
import { noteAccess } from '../events/access-note';
import { redactEvent, redactionOf } from '../events/redaction';
import { findEvent } from './event-reader';
import type { RequestContext } from '../core/context';
import { SEALED_VALUES } from '../core/sealed-values';
import type { AuditEvent } from '../events/audit-event.type';

/** `_entities` is open to the gateway, but an event behind it is for the tenant's roles that may read events. */
export async function resolveAuditEventReference(
  reference: Pick<AuditEvent, 'id'>,
  context: RequestContext,
): Promise<AuditEvent | null> {
  await requirePermissions(context, [AuditPermission.READ_EVENTS]);
  const event = await findEvent(
    context.services.reads,
    context.services.get(SEALED_VALUES),
    context.auth.principal!.tenantId,
    reference.id,
  );
  noteAccess(context, { target: `AuditEvent/${reference.id}`, field: '_entities' });
  return event && redactEvent(event, await redactionOf(context));
}
