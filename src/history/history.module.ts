import { allow } from 'graphql-shield';
import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { crmEntityClasses } from './crm-entities';
import { CRM_ENTITY_TYPES } from './crm-entity-types';
import { historyResolvers } from './history.resolver';

/** The CRM's entities, as keys, with their audit history and (on User) the user's activity. */
export const historyModule: AuditModule = {
  name: 'history',
  resolvers: historyResolvers,
  orphanedTypes: Object.values(crmEntityClasses),
  rules: Object.fromEntries(
    CRM_ENTITY_TYPES.map((type) => [
      type,
      {
        id: allow,
        auditHistory: can(AuditPermission.READ_EVENTS),
        ...(type === 'User' ? { auditActivity: can(AuditPermission.READ_EVENTS) } : {}),
      },
    ]),
  ),
};
