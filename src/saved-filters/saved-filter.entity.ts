import { Entity, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';

/**
 * A named filter and search an admin runs again; private to its owner unless shared with the tenant's admins.
 * Keyed by tenant and id, like its table.
 */
@Entity({ tableName: 'saved_filters' })
export class SavedFilterEntity {
  [PrimaryKeyProp]?: ['tenantId', 'id'];
  @PrimaryKey({ type: 'text' }) tenantId!: string;
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'text' }) ownerId!: string;
  @Property({ type: 'text' }) name!: string;
  /** An AuditEventFilter as JSON (dates as ISO strings). */
  @Property({ type: 'json' }) filter!: Record<string, unknown>;
  @Property({ type: 'text', nullable: true }) search!: string | null;
  @Property({ type: 'boolean' }) shared = false;
  @Property({ type: 'timestamptz' }) createdAt!: Date;
  @Property({ type: 'timestamptz' }) updatedAt!: Date;
}
