import { Entity, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';

/** A role a tenant defined: the token's `role` claim names it. Keyed by tenant and name, like its table. */
@Entity({ tableName: 'audit_roles' })
export class AuditRoleEntity {
  [PrimaryKeyProp]?: ['tenantId', 'name'];
  @PrimaryKey({ type: 'text' }) tenantId!: string;
  @PrimaryKey({ type: 'text' }) name!: string;
  /** AuditPermission values, sorted. */
  @Property({ type: 'text[]' }) permissions!: string[];
  @Property({ type: 'timestamptz' }) updatedAt!: Date;
  @Property({ type: 'text' }) updatedBy!: string;
}
