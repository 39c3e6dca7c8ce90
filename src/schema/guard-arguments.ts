import {
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { BadUserInputError } from '../errors';
import { parseUuidArgument } from '../ids';
import { unstorableTextProblem } from '../text';

/** Deeper JSON than any audit record needs; walking (and later serialising) it must not exhaust the stack. */
export const MAX_JSON_NESTING = 32;

/** Where in an argument a problem is: steps innermost first (`.id`, `[2]`), joined only for the error. */
interface Failure {
  steps: string[];
  problem: string;
}

/** Checks a coerced value of one input type (never null); null when it may pass. */
type Check = (value: unknown) => Failure | null;

const fail = (problem: string): Failure => ({ steps: [], problem });

function checkText(value: unknown): Failure | null {
  const problem = typeof value === 'string' ? unstorableTextProblem(value) : null;
  return problem ? fail(problem) : null;
}

/** A JSON value (a custom scalar such as JSON), walked to `MAX_JSON_NESTING`; named as a whole. */
function checkJson(value: unknown, depth = 0): Failure | null {
  if (typeof value === 'string') return checkText(value);
  if (typeof value !== 'object' || value === null) return null;
  if (depth >= MAX_JSON_NESTING) return fail(`is nested deeper than ${MAX_JSON_NESTING} levels`);
  if (Array.isArray(value)) {
    for (const item of value) {
      const failure = checkJson(item, depth + 1);
      if (failure) return failure;
    }
    return null;
  }
  for (const key in value) {
    const keyProblem = unstorableTextProblem(key);
    if (keyProblem) return fail(`has a key that ${keyProblem}`);
    const failure = checkJson((value as Record<string, unknown>)[key], depth + 1);
    if (failure) return failure;
  }
  return null;
}

/** The checks of input object types by name; BUILDING while its fields' checks are built. */
const BUILDING = Symbol('building');
type Built = Map<string, Check | null | typeof BUILDING>;

/** Scalars whose coerced values hold no text: nothing to check. */
const TEXTLESS_SCALARS = new Set(['Int', 'Float', 'Boolean', 'DateTime']);

function withStep(failure: Failure | null, step: string): Failure | null {
  failure?.steps.push(step);
  return failure;
}

/**
 * The check for `type`, built once per type rather than worked out again for every value (a batch
 * of 1000 events holds some 20,000 of them); null when no value of the type needs one.
 */
function checkFor(type: GraphQLInputType, built: Built): Check | null {
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const item = checkFor(nullable.ofType, built);
    if (!item) return null;
    return (value) => {
      if (!Array.isArray(value)) return item(value);
      for (let index = 0; index < value.length; index++) {
        const failure = value[index] == null ? null : withStep(item(value[index]), `[${index}]`);
        if (failure) return failure;
      }
      return null;
    };
  }
  if (isInputObjectType(nullable)) {
    const name = nullable.name;
    const known = built.get(name);
    if (known !== undefined)
      return known === BUILDING ? (value) => (built.get(name) as Check | null)?.(value) ?? null : known;
    // A type that holds itself (directly or not) is looked up when checked, once it is built.
    built.set(name, BUILDING);
    const fields = Object.values(nullable.getFields()).flatMap((field) => {
      const check = checkFor(field.type, built);
      return check ? [{ name: field.name, check }] : [];
    });
    const check: Check | null =
      fields.length === 0
        ? null
        : (value) => {
            const object = value as Record<string, unknown>;
            for (const field of fields) {
              const failure =
                object[field.name] == null ? null : withStep(field.check(object[field.name]), `.${field.name}`);
              if (failure) return failure;
            }
            return null;
          };
    built.set(name, check);
    return check;
  }
  if (isEnumType(nullable) || TEXTLESS_SCALARS.has(nullable.name)) return null;
  if (nullable.name === 'String' || nullable.name === 'ID') return checkText;
  return (value) => checkJson(value);
}

function guardField(field: GraphQLField<unknown, unknown>, built: Built): void {
  const resolve = field.resolve;
  // `_entities` has its own guard, which knows what a representation holds.
  if (!resolve || field.name === '_entities') return;
  const checks = field.args.flatMap((arg) => {
    const check = checkFor(arg.type, built);
    return check ? [{ name: arg.name, check }] : [];
  });
  if (checks.length === 0) return;
  field.resolve = (source, values, context, info) => {
    for (const { name, check } of checks) {
      const failure = values[name] == null ? null : check(values[name]);
      if (failure) throw new BadUserInputError(name + failure.steps.reverse().join(''), failure.problem);
    }
    return resolve(source, values, context, info);
  };
}

/**
 * The representations a gateway sends must name an entity type and its key, as federation's own
 * `_entities` would otherwise fail with an internal error; `uuidKeyed` types also need a UUID id.
 */
function guardEntities(schema: GraphQLSchema, uuidKeyed: ReadonlySet<string>): void {
  const entities = schema.getQueryType()?.getFields()._entities;
  const entityUnion = schema.getType('_Entity');
  if (!entities?.resolve || !entityUnion || !('getTypes' in entityUnion)) return;
  const entityTypes = new Set(entityUnion.getTypes().map((type) => type.name));
  const resolve = entities.resolve;
  entities.resolve = (source, values: { representations: unknown[] }, context, info) => {
    values.representations.forEach((representation, index) => {
      const argument = `representations[${index}]`;
      if (typeof representation !== 'object' || representation === null || Array.isArray(representation))
        throw new BadUserInputError(argument, 'must be an object with __typename and id');
      const { __typename: typename, id } = representation as Record<string, unknown>;
      if (typeof typename !== 'string' || !entityTypes.has(typename))
        throw new BadUserInputError(`${argument}.__typename`, 'must name an entity type of this subgraph');
      if (uuidKeyed.has(typename)) parseUuidArgument(`${argument}.id`, id);
      else if (typeof id !== 'string' || id === '')
        throw new BadUserInputError(`${argument}.id`, 'must be a non-empty string');
      const failure = checkText(id);
      if (failure) throw new BadUserInputError(`${argument}.id`, failure.problem);
    });
    return resolve(source, values, context, info);
  };
}

/**
 * Checks every argument of every field before its resolver (and before the permission rules) runs:
 * texts PostgreSQL can store, JSON nested at most `MAX_JSON_NESTING` deep, entity representations
 * that name a type and its key. A new field is covered without a line of its own.
 */
export function guardArguments(schema: GraphQLSchema, { uuidKeyedEntities }: { uuidKeyedEntities: string[] }): void {
  const built: Built = new Map();
  for (const type of Object.values(schema.getTypeMap()))
    if (isObjectType(type) && !type.name.startsWith('__') && type !== schema.getSubscriptionType())
      for (const field of Object.values(type.getFields())) guardField(field, built);
  guardEntities(schema, new Set(uuidKeyedEntities));
}
