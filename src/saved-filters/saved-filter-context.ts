import type { EntityManager } from '@mikro-orm/postgresql';
import type { RequestContext } from '../core/context';
import type { FilterViewer } from './saved-filter.repository';

/** The request's unit of work for saved filters, and who they are for. Call behind its permission rule. */
export function savedFilterScope(context: RequestContext): { em: EntityManager; viewer: FilterViewer } {
  const admin = context.auth.principal;
  if (!admin) throw new Error('saved filters are for an authenticated caller only');
  return { em: context.em(), viewer: { tenantId: admin.tenantId, adminId: admin.subject } };
}
