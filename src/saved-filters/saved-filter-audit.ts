import type { Principal } from '../auth/principal';
import { AuditAction } from '../events/enums';
import { diffRecords } from '../events/field-diff';
import type { EventWriter } from '../events/record-events';
import { recordAdminEvent } from './admin-event';
import type { SavedFilterEntity } from './saved-filter.entity';

export type SavedFilterOperation = 'create' | 'rename' | 'share' | 'unshare' | 'delete';

/** The audited fields of a saved filter, copied: take them before changing the entity. */
export function savedFilterFields(entity: SavedFilterEntity): Record<string, unknown> {
  const { name, filter, search, shared } = entity;
  return JSON.parse(JSON.stringify({ name, filter, search, shared })) as Record<string, unknown>;
}

/** Records a saved filter's change as a CONFIG_CHANGE on entity type `SavedFilter`, by the admin who made it. */
export async function auditSavedFilterChange(
  writer: EventWriter,
  admin: Principal,
  change: {
    operation: SavedFilterOperation;
    id: string;
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
  },
): Promise<void> {
  await recordAdminEvent(writer, admin, {
    action: AuditAction.CONFIG_CHANGE,
    entityType: 'SavedFilter',
    entityId: change.id,
    changes: diffRecords(change.before, change.after),
    metadata: { setting: 'savedFilter', operation: change.operation },
  });
}
