import type { ConfigChange } from '../events/config-change';
import type { SavedFilterEntity } from './saved-filter.entity';

export type SavedFilterOperation = 'create' | 'rename' | 'share' | 'unshare' | 'delete';

/** The audited fields of a saved filter, copied: take them before changing the entity. */
export function savedFilterFields(entity: SavedFilterEntity): Record<string, unknown> {
  const { name, filter, search, shared } = entity;
  return JSON.parse(JSON.stringify({ name, filter, search, shared })) as Record<string, unknown>;
}

/** A saved filter's change as a CONFIG_CHANGE on entity type `SavedFilter` (see `withConfigChange`). */
export function savedFilterChange(
  entity: SavedFilterEntity,
  operation: SavedFilterOperation,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): ConfigChange<SavedFilterEntity> {
  return { result: entity, entityType: 'SavedFilter', entityId: entity.id, operation, before, after };
}
