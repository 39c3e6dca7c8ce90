import { AuditAction, AuditCategory, AuditSource, ActorType } from '../events/enums';
import { ExportFormat, ExportStatus } from '../exports/export.types';
import { AuditStatsDimension, StatsInterval } from '../stats/stats.types';
import { EndpointClass, RATE_POLICIES } from './rate-limits';

const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const rateHeaders = {
  'RateLimit-Policy': { $ref: '#/components/headers/RateLimit-Policy' },
  RateLimit: { $ref: '#/components/headers/RateLimit' },
};

const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { $ref: `#/components/responses/Problem${status}` }]));

const pageParameters = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
  { name: 'cursor', in: 'query', description: 'The `nextCursor` of the previous page.', schema: { type: 'string' } },
];

const dateParameters = [
  {
    name: 'startDate',
    in: 'query',
    description: 'occurredAt at or after (ISO-8601).',
    schema: { type: 'string', format: 'date-time' },
  },
  {
    name: 'endDate',
    in: 'query',
    description: 'occurredAt at or before (ISO-8601).',
    schema: { type: 'string', format: 'date-time' },
  },
];

const pageResponse = {
  description: 'A page of events, newest first; `Link: <...>; rel="next"` when another follows.',
  headers: { ...rateHeaders, Link: { schema: { type: 'string' } } },
  content: { 'application/json': { schema: ref('EventPage') } },
};

const PROBLEM_TITLES: Record<number, string> = {
  400: 'A parameter is invalid (`code` BAD_USER_INPUT, `argument` names it)',
  401: 'No valid bearer token (UNAUTHENTICATED)',
  403: 'The token’s role may not read the audit log (FORBIDDEN)',
  404: 'Nothing with this id is visible to the caller (NOT_FOUND)',
  429: 'Past the tenant’s rate limit (RATE_LIMITED); see Retry-After',
};

/** The OpenAPI 3.1 description of the REST API (served at /v1/openapi.json). */
export function openApiDocument(): Record<string, unknown> {
  const limits = Object.values(EndpointClass)
    .map((endpointClass) => {
      const { limit, windowSeconds } = RATE_POLICIES[endpointClass];
      return `${endpointClass}: ${limit} per ${windowSeconds} s`;
    })
    .join('; ');
  return {
    openapi: '3.1.0',
    info: {
      title: 'audit-subgraph REST API',
      version: '1',
      description:
        'The audit log over REST: the same tokens, roles, tenant scoping and search syntax as GraphQL. ' +
        `Rate limits per tenant, shared by all replicas (${limits}).`,
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/audit-trail': {
        get: {
          operationId: 'listEvents',
          summary: 'The tenant’s events, newest first',
          parameters: [
            ...dateParameters,
            { name: 'userId', in: 'query', description: 'Actor ids, comma-separated.', schema: { type: 'string' } },
            { name: 'action', in: 'query', description: 'Actions, comma-separated.', schema: { type: 'string' } },
            {
              name: 'entityType',
              in: 'query',
              description: 'Entity types, comma-separated.',
              schema: { type: 'string' },
            },
            { name: 'search', in: 'query', description: 'The structured search syntax.', schema: { type: 'string' } },
            ...pageParameters,
          ],
          responses: { '200': pageResponse, ...problems(400, 401, 403, 429) },
        },
      },
      '/v1/audit-trail/{id}': {
        get: {
          operationId: 'getEvent',
          summary: 'One event',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: {
            '200': {
              description: 'The event.',
              headers: rateHeaders,
              content: { 'application/json': { schema: ref('AuditEvent') } },
            },
            ...problems(400, 401, 403, 404, 429),
          },
        },
      },
      '/v1/audit-trail/stats': {
        get: {
          operationId: 'getStats',
          summary: 'Event counts, grouped',
          parameters: [
            ...dateParameters,
            {
              name: 'groupBy',
              in: 'query',
              description: `Comma-separated dimensions: ${Object.values(AuditStatsDimension).join(', ')}.`,
              schema: { type: 'string' },
            },
            { name: 'interval', in: 'query', schema: { type: 'string', enum: Object.values(StatsInterval) } },
          ],
          responses: {
            '200': {
              description: 'The counts.',
              headers: rateHeaders,
              content: { 'application/json': { schema: ref('Stats') } },
            },
            ...problems(400, 401, 403, 429),
          },
        },
      },
      '/v1/audit-trail/entity/{type}/{id}': {
        get: {
          operationId: 'getEntityHistory',
          summary: 'A record’s history, newest first',
          parameters: [
            { name: 'type', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            ...pageParameters,
          ],
          responses: { '200': pageResponse, ...problems(400, 401, 403, 429) },
        },
      },
      '/v1/audit-trail/exports': {
        post: {
          operationId: 'startExport',
          summary: 'Starts an export',
          requestBody: { required: true, content: { 'application/json': { schema: ref('AuditExportInput') } } },
          responses: {
            '202': {
              description: 'Queued; `Location` names it.',
              headers: { ...rateHeaders, Location: { schema: { type: 'string' } } },
              content: { 'application/json': { schema: ref('AuditExport') } },
            },
            ...problems(400, 401, 403, 429),
          },
        },
      },
      '/v1/audit-trail/exports/{id}': {
        get: {
          operationId: 'getExport',
          summary: 'One export; `downloadUrl` is a new link valid 10 minutes',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: {
            '200': {
              description: 'The export.',
              headers: rateHeaders,
              content: { 'application/json': { schema: ref('AuditExport') } },
            },
            ...problems(400, 401, 403, 404, 429),
          },
        },
      },
      '/v1/openapi.json': {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document',
          security: [],
          responses: {
            '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      headers: {
        'RateLimit-Policy': {
          description: 'The quota of this endpoint class, e.g. `"list";q=100;w=60`.',
          schema: { type: 'string' },
        },
        RateLimit: { description: 'What is left of it, e.g. `"list";r=57;t=23`.', schema: { type: 'string' } },
      },
      responses: Object.fromEntries(
        Object.entries(PROBLEM_TITLES).map(([status, description]) => [
          `Problem${status}`,
          {
            description,
            headers:
              status === '429' ? { ...rateHeaders, 'Retry-After': { schema: { type: 'integer' } } } : rateHeaders,
            content: { 'application/problem+json': { schema: ref('Problem') } },
          },
        ]),
      ),
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string', description: 'The same code as GraphQL’s `extensions.code`.' },
            argument: { type: 'string', description: 'The parameter at fault (BAD_USER_INPUT).' },
          },
        },
        AuditActor: {
          type: 'object',
          required: ['id', 'type'],
          properties: {
            id: { type: 'string' },
            email: nullable('string'),
            role: nullable('string'),
            type: { type: 'string', enum: Object.values(ActorType) },
            impersonatorId: nullable('string'),
          },
        },
        AuditEvent: {
          type: 'object',
          required: [
            'id',
            'tenantId',
            'sequence',
            'occurredAt',
            'recordedAt',
            'actor',
            'action',
            'category',
            'changes',
            'source',
          ],
          properties: {
            id: { type: 'string', format: 'uuid' },
            tenantId: { type: 'string' },
            sequence: { type: 'string', pattern: '^[0-9]+$' },
            occurredAt: { type: 'string', format: 'date-time' },
            recordedAt: { type: 'string', format: 'date-time' },
            actor: ref('AuditActor'),
            action: { type: 'string', enum: Object.values(AuditAction) },
            category: { type: 'string', enum: Object.values(AuditCategory) },
            entityType: nullable('string'),
            entityId: nullable('string'),
            changes: {
              type: 'array',
              items: {
                type: 'object',
                required: ['field'],
                properties: { field: { type: 'string' }, oldValue: {}, newValue: {} },
              },
            },
            source: { type: 'string', enum: Object.values(AuditSource) },
            ipAddress: nullable('string'),
            userAgent: nullable('string'),
            sessionId: nullable('string'),
            location: {
              type: ['object', 'null'],
              properties: {
                country: nullable('string'),
                region: nullable('string'),
                city: nullable('string'),
                latitude: nullable('number'),
                longitude: nullable('number'),
              },
            },
            metadata: {},
            redactedFields: {
              type: 'array',
              items: { type: 'string' },
              description: 'The personal fields the caller may not see (READ_PERSONAL_DATA), their values null.',
            },
          },
        },
        EventPage: {
          type: 'object',
          required: ['data', 'nextCursor'],
          properties: { data: { type: 'array', items: ref('AuditEvent') }, nextCursor: nullable('string') },
        },
        Stats: {
          type: 'object',
          required: ['total', 'truncated', 'timeZone', 'groups'],
          properties: {
            total: { type: 'integer' },
            truncated: { type: 'boolean' },
            timeZone: { type: 'string' },
            groups: {
              type: 'array',
              items: {
                type: 'object',
                required: ['count'],
                properties: {
                  count: { type: 'integer' },
                  bucket: nullable('string', { format: 'date-time' }),
                  action: nullable('string'),
                  category: nullable('string'),
                  entityType: nullable('string'),
                  actorId: nullable('string'),
                  source: nullable('string'),
                  ipAddress: nullable('string'),
                  country: nullable('string'),
                },
              },
            },
          },
        },
        AuditExportInput: {
          type: 'object',
          required: ['format'],
          properties: {
            format: { type: 'string', enum: Object.values(ExportFormat) },
            filter: { type: 'object', description: 'An AuditEventFilter, as in GraphQL.' },
            search: { type: 'string' },
            savedFilterId: { type: 'string', format: 'uuid' },
            includeMetadata: { type: 'boolean', default: true },
            includeArchived: { type: 'boolean', default: false },
            gzip: { type: 'boolean', default: false },
          },
        },
        AuditExport: {
          type: 'object',
          required: ['id', 'format', 'status', 'rowsWritten', 'createdAt', 'createdBy'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            format: { type: 'string', enum: Object.values(ExportFormat) },
            status: { type: 'string', enum: Object.values(ExportStatus) },
            gzip: { type: 'boolean' },
            rowsWritten: { type: 'integer' },
            rowsTotal: nullable('integer'),
            bytes: nullable('number'),
            sha256: nullable('string'),
            downloadUrl: nullable('string', { format: 'uri' }),
            createdAt: { type: 'string', format: 'date-time' },
            createdBy: { type: 'string' },
            finishedAt: nullable('string', { format: 'date-time' }),
            expiresAt: nullable('string', { format: 'date-time' }),
            error: nullable('string'),
          },
        },
      },
    },
  };
}
