import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { CRM_ENTITY_TYPES, type CrmEntityType } from './crm-entity-types';

/** A CRM record as this subgraph knows it: only its key. Its owner subgraph serves the rest. */
export interface CrmRecord {
  id: string;
}

function crmEntity(name: CrmEntityType) {
  @Directive('@key(fields: "id")')
  @ObjectType(name, { description: `A ${name} of the CRM (owned by another subgraph), with its audit trail.` })
  class CrmEntity implements CrmRecord {
    @Field(() => ID) id!: string;
  }
  return CrmEntity;
}

export const crmEntityClasses = Object.fromEntries(CRM_ENTITY_TYPES.map((name) => [name, crmEntity(name)])) as Record<
  CrmEntityType,
  ReturnType<typeof crmEntity>
>;
