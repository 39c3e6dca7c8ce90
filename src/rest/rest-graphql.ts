import { execute, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { RequestContext } from '../core/context';

/** The fields of an event as REST answers with them: every field of `AuditEvent`. */
const EVENT = `id tenantId sequence occurredAt recordedAt
  actor { id email role type impersonatorId } action category entityType entityId
  changes { field oldValue newValue } source ipAddress userAgent sessionId
  location { country region city latitude longitude } metadata redactedFields`;

const EXPORT = `id format status gzip rowsWritten rowsTotal bytes sha256 downloadUrl createdAt createdBy finishedAt expiresAt error`;

/**
 * The REST endpoints answer through these operations on the service's own schema: permissions,
 * tenant scoping, criteria and errors are those of GraphQL by construction.
 */
export const OPERATIONS = {
  list: parse(`query List($filter: AuditEventFilter, $search: String, $first: Int, $after: String) {
    auditEvents(filter: $filter, search: $search, first: $first, after: $after) {
      edges { node { ${EVENT} } } pageInfo { hasNextPage endCursor } } }`),
  one: parse(`query One($id: ID!) { auditEvent(id: $id) { ${EVENT} } }`),
  stats:
    parse(`query Stats($filter: AuditEventFilter, $groupBy: [AuditStatsDimension!]!, $interval: AuditStatsInterval) {
    auditStats(filter: $filter, groupBy: $groupBy, interval: $interval) {
      total truncated timeZone
      groups { count bucket action category entityType actorId source ipAddress country } } }`),
  startExport: parse(`mutation Start($input: AuditExportInput!) { startAuditExport(input: $input) { ${EXPORT} } }`),
  readExport: parse(`query ReadExport($id: ID!) { auditExport(id: $id) { ${EXPORT} } }`),
};

/**
 * Runs one operation for the request's caller.
 * @throws its first error (a GraphQLError with the same `extensions.code` as over /graphql).
 */
export async function runOperation<T>(
  schema: GraphQLSchema,
  context: RequestContext,
  document: DocumentNode,
  variableValues: Record<string, unknown>,
): Promise<T> {
  const result = await execute({ schema, document, variableValues, contextValue: context });
  if (result.errors?.length) throw result.errors[0];
  return result.data as T;
}
