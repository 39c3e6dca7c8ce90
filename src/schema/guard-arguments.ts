import {
  getNullableType,
  isInputObjectType,
  isListType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { BadUserInputError } from '../errors';
import { parseUuidArgument } from '../ids';
import { unstorableTextProblem } from '../text';

/** Deeper JSON than any audit record needs; walking (and later serialising) it must not exhaust the stack. */
export const MAX_JSON_NESTING = 32;

/** A JSON value (a custom scalar such as JSON or federation's _Any) walked to `MAX_JSON_NESTING`. */
function checkJson(value: unknown, argument: string, depth = 0): void {
  if (typeof value === 'string') {
    const problem = unstorableTextProblem(value);
    if (problem) throw new BadUserInputError(argument, problem);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= MAX_JSON_NESTING)
    throw new BadUserInputError(argument, `is nested deeper than ${MAX_JSON_NESTING} levels`);
  if (Array.isArray(value)) {
    for (const item of value) checkJson(item, argument, depth + 1);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const problem = unstorableTextProblem(key);
    if (problem) throw new BadUserInputError(argument, `a key ${problem}`);
    checkJson(item, argument, depth + 1);
  }
}

/** A coerced argument value, with the path the caller wrote (`events[2].actor.id`). */
function checkValue(value: unknown, type: GraphQLInputType, argument: string): void {
  if (value == null) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (Array.isArray(value))
      value.forEach((item, index) => checkValue(item, nullable.ofType as GraphQLInputType, `${argument}[${index}]`));
    return;
  }
  if (isInputObjectType(nullable)) {
    const fields = nullable.getFields();
    for (const [name, item] of Object.entries(value as Record<string, unknown>))
      if (fields[name]) checkValue(item, fields[name].type, `${argument}.${name}`);
    return;
  }
  if (typeof value === 'string') {
    const problem = unstorableTextProblem(value);
    if (problem) throw new BadUserInputError(argument, problem);
  } else if (isScalarType(nullable) && typeof value === 'object') checkJson(value, argument);
}

function guardField(field: GraphQLField<unknown, unknown>): void {
  const resolve = field.resolve;
  // `_entities` has its own guard, which knows what a representation holds.
  if (!resolve || field.args.length === 0 || field.name === '_entities') return;
  const args = field.args;
  field.resolve = (source, values, context, info) => {
    for (const arg of args) checkValue(values[arg.name], arg.type, arg.name);
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
      else {
        const problem = unstorableTextProblem(id);
        if (problem) throw new BadUserInputError(`${argument}.id`, problem);
      }
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
  for (const type of Object.values(schema.getTypeMap()))
    if (isObjectType(type) && !type.name.startsWith('__') && type !== schema.getSubscriptionType())
      for (const field of Object.values(type.getFields())) guardField(field);
  guardEntities(schema, new Set(uuidKeyedEntities));
}
