import type { GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddlewareTypeMap } from 'graphql-middleware';
import { allow, deny, rule, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield/typings/types';
import { ForbiddenError } from '../errors';
import { CRM_ENTITY_TYPES } from '../history/crm-entity-types';
import type { RequestContext } from '../server/context';
import {
  ALERT_MUTATION_FIELDS,
  ALERT_QUERY_FIELDS,
  ALERT_RESULT_TYPES,
  ALERT_SUBSCRIPTION_FIELDS,
} from '../alerts/alert-resolvers';
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
  'AuditPageInfo',
  'RecordAuditEventsPayload',
  'IntegrityReport',
  // investigations
  'RecordSnapshot',
  'SnapshotField',
  'FieldDiff',
  'RevertResult',
  'AuditStats',
  'AuditStatsGroup',
  'SecurityOverview',
  'DailyCount',
  'UserDevices',
  'LoginDevice',
  'SessionTimeline',
  'SessionEvent',
  'LoginLocation',
  'SavedFilter',
  'TenantSettings',
  ...ALERT_RESULT_TYPES,
];

const entityRules = Object.fromEntries(
  CRM_ENTITY_TYPES.map((type) => [
    type,
    {
      id: allow,
      auditHistory: isAdmin,
      auditSnapshot: isAdmin,
      auditDiff: isAdmin,
      ...(type === 'User' ? { auditActivity: isAdmin } : {}),
    },
  ]),
);

/** Rules for every field of the schema; whatever is not listed is denied. */
export const rules: IRules = {
  Query: {
    auditEvents: isAdmin,
    auditEvent: isAdmin,
    auditLogIntegrity: isAdmin,
    auditStats: isAdmin,
    securityOverview: isAdmin,
    savedFilters: isAdmin,
    savedFilter: isAdmin,
    tenantSettings: isAdmin,
    ...Object.fromEntries(ALERT_QUERY_FIELDS.map((field) => [field, isAdmin])),
  },
  Mutation: {
    recordAuditEvents: isService,
    revertAuditChange: isAdmin,
    createSavedFilter: isAdmin,
    renameSavedFilter: isAdmin,
    shareSavedFilter: isAdmin,
    deleteSavedFilter: isAdmin,
    setTenantTimeZone: isAdmin,
    ...Object.fromEntries(ALERT_MUTATION_FIELDS.map((field) => [field, isAdmin])),
  },
  Subscription: {
    auditEventRecorded: isAdmin,
    ...Object.fromEntries(ALERT_SUBSCRIPTION_FIELDS.map((field) => [field, isAdmin])),
  },
  ...entityRules,
  ...Object.fromEntries(RESULT_TYPES.map((type) => [type, allow])),
};

const permissions = shield(rules, {
  fallbackRule: deny,
  fallbackError: () => new ForbiddenError('This field is not open to you'),
  // Resolvers' own errors (BAD_USER_INPUT, ...) reach the client with their codes.
  allowExternalErrors: true,
});

/**
 * Applies the rules. The open result types are left unwrapped: wrapping each of their fields in
 * async middleware tripled the time of a 100-record history fetch, and they are only reached
 * through guarded fields. Every other field, and any type added later, still has its rule or
 * the fallback `deny`.
 */
export function applyPermissions(schema: GraphQLSchema): GraphQLSchema {
  const middleware = permissions.generate(schema) as IMiddlewareTypeMap;
  for (const type of RESULT_TYPES) delete middleware[type];
  return applyMiddleware(schema, middleware);
}
