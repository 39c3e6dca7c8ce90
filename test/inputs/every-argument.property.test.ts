import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';

/**
 * Hostile values at every argument of every field the subgraph serves over HTTP, the list taken from
 * the server's own introspection: a new field or argument is attacked without a line here.
 * FC_SEED and FC_RUNS override the fixed seed and the runs per argument.
 */
const SEED = Number(process.env.FC_SEED ?? 20261201);
const RUNS_PER_TARGET = Number(process.env.FC_RUNS ?? 3);
/** Codes a refusal may carry; anything else (INTERNAL_SERVER_ERROR above all) fails the test. */
const CLIENT_CODES = new Set([
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'GRAPHQL_VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'QUERY_TOO_COMPLEX',
  'REVERT_REFUSED',
  'REVERT_TIMEOUT',
  'REVERT_UNAVAILABLE',
]);
const SAFE_UUID = '00000000-0000-4000-8000-000000000000';

type Path = Array<string | number>;

/** One place to attack: a field (reached from Query, Mutation or an entity through `_entities`) and a path into its arguments. */
interface Target {
  /** Query, Mutation, or the entity type whose field is reached through `_entities`. */
  parent: string;
  field: GraphQLField<unknown, unknown>;
  path: Path;
}

function describeTarget({ parent, field, path }: Target): string {
  const where = path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('');
  return `${parent}.${field.name}(${where.slice(1)})`;
}

/** A value GraphQL coerces for `type`, with two items in lists of input objects (the attack goes in the second). */
function baseline(type: GraphQLInputType, depth = 0): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const item = baseline(nullable.ofType, depth + 1);
    return isInputObjectType(getNamedType(nullable)) ? [item, baseline(nullable.ofType, depth + 1)] : [item];
  }
  if (isEnumType(nullable)) return nullable.getValues()[0].value;
  if (isInputObjectType(nullable)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(nullable.getFields()))
      if (isNonNullType(field.type) && field.defaultValue === undefined && depth < 6)
        value[field.name] = baseline(field.type, depth + 1);
    return value;
  }
  switch (getNamedType(nullable).name) {
    case 'Int':
      return 1;
    case 'Float':
      return 1.5;
    case 'Boolean':
      return true;
    case 'DateTime':
      return new Date(Date.now() - 3600_000).toISOString();
    case 'JSON':
      return {};
    case 'ID':
      return SAFE_UUID;
    default:
      return 'x';
  }
}

/** Every path into an argument's type: the argument itself, each input field (in the last list item), each type once per path. */
function pathsOf(type: GraphQLInputType, path: Path, seen: Set<string> = new Set()): Path[] {
  const paths: Path[] = [path];
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const index = isInputObjectType(getNamedType(nullable)) ? 1 : 0;
    return [...paths, ...pathsOf(nullable.ofType, [...path, index], seen)];
  }
  if (isInputObjectType(nullable) && !seen.has(nullable.name)) {
    const inner = new Set(seen).add(nullable.name);
    for (const field of Object.values(nullable.getFields()))
      paths.push(...pathsOf(field.type, [...path, field.name], inner));
  }
  return paths;
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown): void {
  let node: Record<string | number, unknown> = root;
  path.slice(0, -1).forEach((step, index) => {
    node[step] ??= typeof path[index + 1] === 'number' ? [] : {};
    node = node[step] as Record<string | number, unknown>;
  });
  node[path[path.length - 1]] = value;
}

function selectionOf(field: GraphQLField<unknown, unknown>): string {
  return isLeafType(getNamedType(field.type)) ? '' : '{ __typename }';
}

/** The operation for `target`, with one variable per argument, named as the argument; required ones set. */
function operationOf(target: Target): { query: string; variables: Record<string, unknown> } {
  const { field, parent } = target;
  const variables: Record<string, unknown> = {};
  const definitions: string[] = [];
  const args = field.args.map((arg) => {
    // Optional arguments are left out: a made-up saved filter id would be refused before `search` is read.
    if (isNonNullType(arg.type) && arg.defaultValue === undefined) variables[arg.name] = baseline(arg.type);
    definitions.push(`$${arg.name}: ${String(arg.type)}`);
    return `${arg.name}: $${arg.name}`;
  });
  const call = `${field.name}(${args.join(', ')}) ${selectionOf(field)}`;
  if (parent === 'Query' || parent === 'Mutation')
    return { query: `${parent.toLowerCase()} Attack(${definitions.join(', ')}) { ${call} }`, variables };
  variables.entityReferences = [{ __typename: parent, id: 'record-1' }];
  definitions.push('$entityReferences: [_Any!]!');
  return {
    query: `query Attack(${definitions.join(', ')}) { _entities(representations: $entityReferences) { ... on ${parent} { ${call} } } }`,
    variables,
  };
}

/** Every field that takes arguments, with every path into them. */
function targetsOf(schema: GraphQLSchema): Target[] {
  const fields: Array<{ parent: string; field: GraphQLField<unknown, unknown> }> = [];
  for (const root of [schema.getQueryType(), schema.getMutationType()])
    for (const field of Object.values(root?.getFields() ?? {})) fields.push({ parent: root!.name, field });
  const entities = schema.getType('_Entity');
  if (isUnionType(entities))
    for (const type of entities.getTypes())
      for (const field of Object.values(type.getFields())) fields.push({ parent: type.name, field });
  return fields
    .filter(({ field }) => field.args.length > 0)
    .flatMap(({ parent, field }) =>
      field.args.flatMap((arg) => pathsOf(arg.type, [arg.name]).map((path) => ({ parent, field, path }))),
    );
}

function nested(depth: number, inner: unknown): unknown {
  let value = inner;
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { k: value };
  return value;
}

const hex = fc.constantFrom(...'0123456789abcdef');
const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** What an attacker sends: hostile texts, numbers, shapes and types. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  // Texts PostgreSQL cannot store, or that break parsers.
  fc.string({ unit: 'binary', maxLength: 40 }).map((text) => `${text}\u0000${text}`),
  fc.constantFrom('\ud800', 'a\udfffb', '\udbff\udbff', '\u0000', '\u202e\u0301\ufeff', '\u{10ffff}', '😀'.repeat(50)),
  fc.string({ unit: 'binary', maxLength: 60 }),
  // 36 hex characters and dashes that are not a UUID.
  fc.array(fc.oneof(hex, fc.constant('-')), { minLength: 36, maxLength: 36 }).map((chars) => chars.join('')),
  fc.constantFrom('0123456789abcdef-0123456789abcdef-01', `${SAFE_UUID.toUpperCase()}`, `{${SAFE_UUID}}`),
  // Overlong texts.
  fc.integer({ min: 300, max: 3000 }).map((length) => 'x'.repeat(length)),
  fc.integer({ min: 1000, max: 20_000 }).map((length) => '\u0000é'.repeat(length)),
  // Names that look right to one parser and not another.
  fc.constantFrom(
    'localtime',
    'posixrules',
    'posix/Europe/Paris',
    'Factory',
    'fe80::1%eth0',
    '::ffff:10.0.0.1',
    '10.1',
    '0x7f000001',
  ),
  fc.constantFrom(
    '1e300',
    '-0',
    'NaN',
    'Infinity',
    '9'.repeat(25),
    '2026-13-45T99:99:99Z',
    '0000-01-01T00:00:00Z',
    '275760-09-13T00:00:01Z',
  ),
  // Malformed cursors.
  fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map((micros) => base64url(`${micros}:${SAFE_UUID}`)),
  fc.string({ maxLength: 30 }).map((text) => base64url(`alert:${text}`)),
  fc.constantFrom(base64url(`${'9'.repeat(19)}:${SAFE_UUID}`), base64url(`alert:${'9'.repeat(19)}`), '!!!', '===='),
  // Numbers of every size and sign.
  fc.integer(),
  fc.constantFrom(-1, 0, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e300, -1e300, 0.5, Number.MAX_VALUE),
  fc.double({ noNaN: true }),
  // Wrong types and shapes.
  fc.constantFrom(null, true, [], {}, [null], [[]], { __typename: 'Lead' }, { id: null }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxKeys: 4 }),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 5 }),
  // Deep nesting, within what the test's own JSON.stringify manages.
  fc.integer({ min: 30, max: 400 }).map((depth) => nested(depth, 'leaf')),
  fc.integer({ min: 30, max: 400 }).map((depth) => ({ recordCount: 1e300, deep: nested(depth, 1) })),
);

/** Tried at every target before the generated values: each of the defects issue #10 found. */
const EXAMPLES: Array<[unknown]> = [
  ['a\u0000b'],
  ['\ud800'],
  ['0123456789abcdef-0123456789abcdef-01'],
  [2 ** 53],
  [{ nested: nested(60, 1) }],
  [base64url(`${'9'.repeat(19)}:${SAFE_UUID}`)],
];

describe('hostile values at every argument of every field', () => {
  let server: TestServer;
  let targets: Target[];
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    // Personal data sealed, so that eraseSubject is attacked on its real path too.
    server = await startTestServer({ env: { PERSONAL_DATA_MASTER_KEY: randomBytes(32).toString('base64') } });
    const introspection = await server.graphql<IntrospectionQuery>(getIntrospectionQuery());
    const schema = buildClientSchema(introspection.data!);
    targets = targetsOf(schema);
    const [admin, service] = [await adminToken('acme'), await serviceToken('acme')];
    // Each field is attacked as a caller allowed to use it, so that arguments are read at all.
    for (const target of targets) {
      const key = `${target.parent}.${target.field.name}`;
      if (tokens[key]) continue;
      const { query, variables } = operationOf(target);
      const asAdmin = await server.graphql(query, variables, admin);
      tokens[key] = asAdmin.errors?.some((error) => error.extensions?.code === 'FORBIDDEN') ? service : admin;
    }
  });
  afterAll(() => server.stop());

  it('derives its targets from the schema: every field with arguments, entities included', () => {
    const fields = new Set(targets.map((target) => `${target.parent}.${target.field.name}`));
    for (const expected of ['Query.auditEvents', 'Query._entities', 'Mutation.recordAuditEvents', 'Lead.auditHistory'])
      expect(fields).toContain(expected);
    expect(targets.map(describeTarget)).toContain('Mutation.recordAuditEvents(events[1].ipAddress)');
  });

  it(
    'never answers 500 or INTERNAL_SERVER_ERROR; every error is coded and names the argument; a refused batch stores nothing',
    async () => {
      const knex = server.database.db.knex;
      const storedEvents = async () => Number((await knex('audit_events').count({ n: '*' }))[0].n);
      const failures: string[] = [];
      for (const [index, target] of targets.entries()) {
        const seed = SEED + index;
        const argumentNames = new Set(target.field.args.map((arg) => arg.name));
        await fc
          .assert(
            fc.asyncProperty(hostile, async (value) => {
              const { query, variables } = operationOf(target);
              setAt(variables, target.path, value);
              const before = target.field.name === 'recordAuditEvents' ? await storedEvents() : 0;
              const response = await fetch(`${server.url}/graphql`, {
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  authorization: `Bearer ${tokens[`${target.parent}.${target.field.name}`]}`,
                },
                body: JSON.stringify({ query, variables }),
                signal: AbortSignal.timeout(15_000),
              });
              const text = await response.text();
              expect(response.status).toBeLessThan(500);
              const body = JSON.parse(text) as {
                errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
              };
              for (const error of body.errors ?? []) {
                const code = error.extensions?.code;
                expect(CLIENT_CODES).toContain(code);
                if (code !== 'BAD_USER_INPUT') continue;
                // A refusal names the argument: in `extensions.argument` (resolvers), or as the variable (coercion).
                const argument = error.extensions?.argument;
                if (typeof argument === 'string') {
                  expect(error.message.startsWith(`${argument}: `)).toBe(true);
                  const root = argument.split(/[.[]/)[0];
                  expect(argumentNames.has(root) || root === 'representations').toBe(true);
                } else expect(argumentNames).toContain(/^Variable "\$(\w+)"/.exec(error.message)?.[1]);
              }
              if (target.field.name === 'recordAuditEvents' && body.errors) expect(await storedEvents()).toBe(before);
            }),
            { seed, numRuns: RUNS_PER_TARGET, examples: EXAMPLES, verbose: 1 },
          )
          .catch((error: Error) =>
            failures.push(`${describeTarget(target)} (seed ${seed}, FC_SEED=${SEED}):\n${error.message}`),
          );
      }
      expect(failures).toEqual([]);
      const readyStarted = Date.now();
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(Date.now() - readyStarted).toBeLessThan(1000);
    },
    60_000 * Math.max(1, RUNS_PER_TARGET),
  );
});
