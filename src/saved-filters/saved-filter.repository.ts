import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ForbiddenError, NotFoundError } from '../errors';
import { parseUuidArgument } from '../ids';
import type { EventFilter } from '../reading/event-filter';
import { SavedFilterEntity } from './saved-filter.entity';

/** Who is asking: an admin of a tenant. */
export interface FilterViewer {
  tenantId: string;
  adminId: string;
}

const notFound = () => new NotFoundError('id', 'saved filter');

/** The viewer's own filters and those the tenant's other admins shared, newest first. */
export function listVisibleFilters(em: EntityManager, viewer: FilterViewer): Promise<SavedFilterEntity[]> {
  return em.find(
    SavedFilterEntity,
    { tenantId: viewer.tenantId, $or: [{ ownerId: viewer.adminId }, { shared: true }] },
    { orderBy: { createdAt: 'desc', id: 'desc' } },
  );
}

/** @throws BadUserInputError naming `id` when it is not a UUID. */
export async function findVisibleFilter(
  em: EntityManager,
  viewer: FilterViewer,
  id: string,
): Promise<SavedFilterEntity | null> {
  const found = await em.findOne(SavedFilterEntity, { id: parseUuidArgument('id', id), tenantId: viewer.tenantId });
  return found && (found.ownerId === viewer.adminId || found.shared) ? found : null;
}

/** @throws NOT_FOUND when invisible to the viewer, FORBIDDEN when visible but another admin's. */
export async function findOwnFilter(em: EntityManager, viewer: FilterViewer, id: string): Promise<SavedFilterEntity> {
  const found = await findVisibleFilter(em, viewer, id);
  if (!found) throw notFound();
  if (found.ownerId !== viewer.adminId) throw new ForbiddenError('Only the admin who saved this filter may change it');
  return found;
}

export async function insertFilter(
  em: EntityManager,
  viewer: FilterViewer,
  fields: { name: string; filter: EventFilter; search: string | null; shared: boolean },
): Promise<SavedFilterEntity> {
  const now = new Date();
  const entity = em.create(SavedFilterEntity, {
    id: randomUUID(),
    tenantId: viewer.tenantId,
    ownerId: viewer.adminId,
    name: fields.name.trim(),
    filter: JSON.parse(JSON.stringify(fields.filter)) as Record<string, unknown>,
    search: fields.search?.trim() || null,
    shared: fields.shared,
    createdAt: now,
    updatedAt: now,
  });
  await em.persistAndFlush(entity);
  return entity;
}
