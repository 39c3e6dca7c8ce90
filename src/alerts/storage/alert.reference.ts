import { AuditPermission, requirePermissions } from '../../auth/permissions';
import type { RequestContext } from '../../core/context';
import { AlertNotFoundError } from '../alert-errors';
import { AlertRepository } from './alert.repository';
import { toAuditAlert, type AuditAlert } from './alert.type';

/** `_entities` is open to the gateway, but an alert behind it is for the tenant's roles that may read alerts. */
export async function resolveAuditAlertReference(
  reference: Pick<AuditAlert, 'id'>,
  context: RequestContext,
): Promise<AuditAlert | null> {
  await requirePermissions(context, [AuditPermission.READ_ALERTS]);
  try {
    return toAuditAlert(await new AlertRepository(context.em(), context.auth.principal!.tenantId).get(reference.id));
  } catch (error) {
    if (error instanceof AlertNotFoundError) return null;
    throw error;
  }
}
