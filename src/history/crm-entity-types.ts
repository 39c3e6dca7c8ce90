/** The CRM entity types, owned by other subgraphs, that gain audit fields here. */
export const CRM_ENTITY_TYPES = [
  'Lead',
  'Contact',
  'Account',
  'Opportunity',
  'Quote',
  'Order',
  'Invoice',
  'Contract',
  'User',
] as const;

export type CrmEntityType = (typeof CRM_ENTITY_TYPES)[number];
