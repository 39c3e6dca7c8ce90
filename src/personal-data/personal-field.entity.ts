import { Entity, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';

/** A field of a CRM entity type that a tenant marked personal: its values in `changes` are masked. */
@Entity({ tableName: 'personal_fields' })
export class PersonalFieldEntity {
  [PrimaryKeyProp]?: ['tenantId', 'entityType', 'field'];
  @PrimaryKey({ type: 'text' }) tenantId!: string;
  @PrimaryKey({ type: 'text' }) entityType!: string;
  @PrimaryKey({ type: 'text' }) field!: string;
  @Property({ type: 'timestamptz' }) markedAt!: Date;
  @Property({ type: 'text' }) markedBy!: string;
}
