import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../auth/principal';
import type { RequestContext } from '../core/context';
import type { FilterViewer } from './saved-filter.repository';

/** A fresh unit of work for one saved-filter operation, and who it is for. Call behind isAdmin. */
export function savedFilterScope(context: RequestContext): {
  em: EntityManager;
  viewer: FilterViewer;
  admin: Principal;
} {
  const admin = context.auth.principal;
  if (!admin) throw new Error('saved filters are for an authenticated caller only');
  return {
    em: context.em(),
    viewer: { tenantId: admin.tenantId, adminId: admin.subject },
    admin,
  };
}
