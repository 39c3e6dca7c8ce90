import { allow, deny, rule, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield/typings/types';
import { ForbiddenError } from '../errors';
import { CRM_ENTITY_TYPES } from '../history/crm-entity-types';
import type { RequestContext } from '../server/context';
import { adminProblem, serviceProblem } from './admin-problem';

export const isAdmin = rule('isAdmin', { cache: 'contextual' })(
  (_parent, _args, { auth }: RequestContext) => adminProblem(auth) ?? true,
);
export const isService = rule('isService', { cache: 'contextual' })(
  (_parent, _args, { auth }: RequestContext) => serviceProblem(auth) ?? true,
);

/** Types reachable only through a guarded field (or a guarded reference resolver), so their own fields are open. */
const RESULT_TYPES = [
  'AuditEvent',
  'AuditActor',
  'FieldChange',
  'GeoLocation',
  'AuditEventConnection',
  'AuditEventEdge',
  'PageInfo',
  'RecordAuditEventsPayload',
  'IntegrityReport',
];

const entityRules = Object.fromEntries(
  CRM_ENTITY_TYPES.map((type) => [
    type,
    { id: allow, auditHistory: isAdmin, ...(type === 'User' ? { auditActivity: isAdmin } : {}) },
  ]),
);

/** Rules for every field of the schema; whatever is not listed is denied. */
export const rules: IRules = {
  Query: { auditEvents: isAdmin, auditEvent: isAdmin, auditLogIntegrity: isAdmin },
  Mutation: { recordAuditEvents: isService },
  ...entityRules,
  ...Object.fromEntries(RESULT_TYPES.map((type) => [type, allow])),
};

export const permissions = shield(rules, {
  fallbackRule: deny,
  fallbackError: () => new ForbiddenError('This field is not open to you'),
  // Resolvers' own errors (BAD_USER_INPUT, ...) reach the client with their codes.
  allowExternalErrors: true,
});
