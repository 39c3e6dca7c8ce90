import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { allow } from 'graphql-shield';
import { ALL_PERMISSIONS, AuditPermission, BUILT_IN_ROLES } from '../../src/auth/permissions';
import { isService, permissionsOf } from '../../src/auth/rules';
import { modules } from '../../src/modules';
import { buildClassSchema } from '../../src/schema/build-schema';
import { rulesOf } from '../../src/schema/permissions';
import { subscribeOverWs } from '../live/live-support';
import { metricValue, waitForMetric } from '../support/metrics';
import { startTestServer, type TestServer } from '../support/server';
import { signToken } from '../support/tokens';

// Every guarded field of the schema, called by every kind of caller: a field whose rule names no
// permission (or names none this test knows) fails here, so that no field is added unmapped.

const TENANT = 'matrix';
const CUSTOM = { name: 'Analyst', permissions: [AuditPermission.READ_ALERTS, AuditPermission.REVERT] };

type Caller = { role: string; holds: ReadonlySet<AuditPermission> | 'writer' };
const CALLERS: Caller[] = [
  { role: 'ADMIN', holds: new Set(BUILT_IN_ROLES.ADMIN) },
  { role: 'AUDITOR', holds: new Set(BUILT_IN_ROLES.AUDITOR) },
  { role: CUSTOM.name, holds: new Set(CUSTOM.permissions) },
  { role: 'USER', holds: new Set() },
  { role: 'Unknown-Role', holds: new Set() },
  { role: 'SERVICE', holds: 'writer' },
];

interface GuardedField {
  type: string;
  field: string;
  /** The permissions the rule needs, or `writer` for the SERVICE-only write path. */
  needs: readonly AuditPermission[] | 'writer';
}

function guardedFields(): GuardedField[] {
  const found: GuardedField[] = [];
  for (const [type, fields] of Object.entries(rulesOf(modules))) {
    if (fields === allow) continue;
    for (const [field, rule] of Object.entries(fields)) {
      if (rule === allow) continue;
      const needs = rule === isService ? 'writer' : permissionsOf(rule);
      if (!needs) throw new Error(`${type}.${field} is guarded by a rule that names no AuditPermission: use can(...)`);
      found.push({ type, field, needs });
    }
  }
  return found;
}

/** A value GraphQL accepts for an argument: the rules run before any resolver looks at it. */
function sample(type: GraphQLInputType): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [sample(inner.ofType)];
  if (isEnumType(inner)) return inner.getValues()[0].value;
  if (isInputObjectType(inner))
    return Object.fromEntries(
      Object.values(inner.getFields())
        .filter((field) => isNonNullType(field.type) && field.defaultValue === undefined)
        .map((field) => [field.name, sample(field.type)]),
    );
  if (isScalarType(inner))
    return (
      (
        {
          Int: 1,
          Float: 1,
          Boolean: true,
          ID: '00000000-0000-4000-8000-000000000000',
          DateTime: '2026-01-01T00:00:00Z',
          JSON: {},
        } as Record<string, unknown>
      )[inner.name] ?? 'x'
    );
  throw new Error(`no sample for ${String(type)}`);
}

function operationFor(schema: GraphQLSchema, { type, field }: GuardedField) {
  const root = { Query: 'query', Mutation: 'mutation', Subscription: 'subscription' }[type];
  const owner = schema.getType(type);
  if (!isObjectType(owner)) throw new Error(`${type} is not an object type`);
  const definition: GraphQLField<unknown, unknown> = owner.getFields()[field];
  const required = definition.args.filter((arg: GraphQLArgument) => isNonNullType(arg.type));
  const variables = Object.fromEntries(required.map((arg) => [arg.name, sample(arg.type)]));
  const declared = required.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const passed = required.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isObjectType(getNamedType(definition.type)) ? ' { __typename }' : '';
  const call = `${field}${passed ? `(${passed})` : ''}${selection}`;
  const signature = declared ? `(${declared})` : '';
  const query = root
    ? `${root} Probe${signature} { ${call} }`
    : `query Probe${signature} { _entities(representations: [{ __typename: "${type}", id: "r1" }]) { ... on ${type} { ${call} } } }`;
  return { query, variables, subscription: root === 'subscription' };
}

const DENIALS = ['FORBIDDEN', 'UNAUTHENTICATED'];
const OPERATIONS_STARTED = 'audit_ws_operations_started_total';

describe('the permission matrix: each role × each guarded field, on HTTP, _entities and WebSocket', () => {
  let server: TestServer;
  let schema: GraphQLSchema;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    server = await startTestServer();
    schema = await buildClassSchema(modules);
    for (const { role } of CALLERS) tokens.set(role, await signToken({ org: TENANT, role, sub: `${role}-1` }));
    const created = await server.graphql(
      'mutation($name: String!, $permissions: [AuditPermission!]!) { setAuditRole(name: $name, permissions: $permissions) { name } }',
      CUSTOM,
      tokens.get('ADMIN'),
    );
    expect(created.errors).toBeUndefined();
  });
  afterAll(() => server.stop());

  it('maps every guarded field to the permissions it needs', () => {
    const fields = guardedFields();
    expect(fields.length).toBeGreaterThan(30);
    // ADMIN holds every permission there is, and every permission guards something or is announced.
    expect(new Set(BUILT_IN_ROLES.ADMIN)).toEqual(new Set(ALL_PERMISSIONS));
    // A subject access export is personal data by definition: EXPORT alone (the AUDITOR's) is not enough.
    const subjectAccess = fields.find((field) => field.field === 'startSubjectAccessExport');
    expect(subjectAccess?.needs).toEqual([AuditPermission.EXPORT, AuditPermission.READ_PERSONAL_DATA].sort());
  });

  for (const caller of CALLERS)
    it(`${caller.role}: allowed exactly the fields its permissions open`, async () => {
      const outcomes: string[] = [];
      const expected: string[] = [];
      for (const guarded of guardedFields()) {
        const { query, variables, subscription } = operationFor(schema, guarded);
        const allowed =
          guarded.needs === 'writer'
            ? caller.holds === 'writer'
            : caller.holds !== 'writer' &&
              guarded.needs.every((permission) => (caller.holds as Set<string>).has(permission));
        let codes: unknown[];
        if (subscription) {
          const labels = { field: guarded.field };
          const started = await metricValue(server, OPERATIONS_STARTED, labels);
          const sub = subscribeOverWs(server, tokens.get(caller.role)!, query, variables);
          // A refused subscription ends with its error; an admitted one is counted as started.
          const stopWaiting = new AbortController();
          await Promise.race([
            sub.ended,
            waitForMetric(server, OPERATIONS_STARTED, (value) => value > started, {
              labels,
              signal: stopWaiting.signal,
            }),
          ]);
          stopWaiting.abort();
          codes = sub.errors.map((error) => (error as { extensions?: { code?: string } }).extensions?.code);
          await sub.dispose();
        } else {
          const response = await server.graphql(query, variables, tokens.get(caller.role));
          codes = (response.errors ?? []).map((error) => error.extensions?.code);
        }
        const denied = codes.some((code) => DENIALS.includes(code as string));
        outcomes.push(`${guarded.type}.${guarded.field}: ${denied ? 'denied' : 'allowed'}`);
        expected.push(`${guarded.type}.${guarded.field}: ${allowed ? 'allowed' : 'denied'}`);
      }
      expect(outcomes).toEqual(expected);
    });

  /** The REST endpoints, each with the permissions its GraphQL operation needs. */
  const REST: Array<{ method: string; path: string; body?: unknown; needs: AuditPermission[] }> = [
    { method: 'GET', path: '/v1/audit-trail', needs: [AuditPermission.READ_EVENTS] },
    {
      method: 'GET',
      path: '/v1/audit-trail/00000000-0000-4000-8000-000000000000',
      needs: [AuditPermission.READ_EVENTS],
    },
    { method: 'GET', path: '/v1/audit-trail/entity/Lead/l1', needs: [AuditPermission.READ_EVENTS] },
    { method: 'GET', path: '/v1/audit-trail/stats', needs: [AuditPermission.READ_EVENTS] },
    { method: 'POST', path: '/v1/audit-trail/exports', body: { format: 'CSV' }, needs: [AuditPermission.EXPORT] },
    {
      method: 'GET',
      path: '/v1/audit-trail/exports/00000000-0000-4000-8000-000000000000',
      needs: [AuditPermission.EXPORT],
    },
  ];

  for (const caller of CALLERS)
    it(`${caller.role}: REST allows exactly the endpoints its permissions open`, async () => {
      const outcomes: string[] = [];
      const expected: string[] = [];
      for (const endpoint of REST) {
        const response = await fetch(`${server.url}${endpoint.path}`, {
          method: endpoint.method,
          headers: { authorization: `Bearer ${tokens.get(caller.role)}`, 'content-type': 'application/json' },
          body: endpoint.body === undefined ? undefined : JSON.stringify(endpoint.body),
        });
        const allowed =
          caller.holds !== 'writer' &&
          endpoint.needs.every((permission) => (caller.holds as Set<string>).has(permission));
        const label = `${endpoint.method} ${endpoint.path}`;
        outcomes.push(`${label}: ${response.status === 401 || response.status === 403 ? 'denied' : 'allowed'}`);
        expected.push(`${label}: ${allowed ? 'allowed' : 'denied'}`);
      }
      expect(outcomes).toEqual(expected);
    });
});
