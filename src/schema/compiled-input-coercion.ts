import {
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';

/** What a compiled coercion returns for a value it leaves to `coerceInputValue`. */
export const NOT_COERCED = Symbol('left to coerceInputValue');

export type CompiledCoercion = (value: unknown) => unknown;

/**
 * `coerceInputValue` for the values it accepts without a word, compiled once per type: the same
 * result (every field in definition order, defaults filled in, leaves through their own
 * `parseValue`), without building a path per value. Anything else (an invalid value, a missing
 * required field, an undeclared one, a single value where a list is expected, a oneOf type) is
 * NOT_COERCED, for `coerceInputValue` to coerce or to explain in its own words.
 */
export function compileInputCoercion(type: GraphQLInputType): CompiledCoercion {
  const byType = new Map<GraphQLInputType, CompiledCoercion>();
  const compile = (current: GraphQLInputType): CompiledCoercion => {
    const known = byType.get(current);
    if (known) return known;
    // Registered before it is built: input objects may refer to themselves.
    const slot: { coerce?: CompiledCoercion } = {};
    byType.set(current, (value) => slot.coerce!(value));
    slot.coerce = build(current, compile);
    byType.set(current, slot.coerce);
    return slot.coerce;
  };
  return compile(type);
}

function build(type: GraphQLInputType, compile: (type: GraphQLInputType) => CompiledCoercion): CompiledCoercion {
  if (isNonNullType(type)) {
    const inner = compile(type.ofType);
    return (value) => (value == null ? NOT_COERCED : inner(value));
  }
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const item = compile(nullable.ofType);
    return (value) => {
      if (value == null) return null;
      if (!Array.isArray(value)) return NOT_COERCED;
      const items = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) if ((items[i] = item(value[i])) === NOT_COERCED) return NOT_COERCED;
      return items;
    };
  }
  if (isInputObjectType(nullable)) {
    if (nullable.isOneOf) return (value) => (value == null ? null : NOT_COERCED);
    const fields = Object.values(nullable.getFields()).map((field) => ({
      name: field.name,
      defaultValue: field.defaultValue,
      required: isNonNullType(field.type),
      coerce: compile(field.type),
    }));
    const declared = new Set(fields.map((field) => field.name));
    return (value) => {
      if (value == null) return null;
      if (typeof value !== 'object' || Array.isArray(value)) return NOT_COERCED;
      const input = value as Record<string, unknown>;
      for (const key of Object.keys(input)) if (!declared.has(key)) return NOT_COERCED;
      const coerced: Record<string, unknown> = {};
      for (const field of fields) {
        const fieldValue = input[field.name];
        if (fieldValue === undefined) {
          if (field.defaultValue !== undefined) coerced[field.name] = field.defaultValue;
          else if (field.required) return NOT_COERCED;
          continue;
        }
        if ((coerced[field.name] = field.coerce(fieldValue)) === NOT_COERCED) return NOT_COERCED;
      }
      return coerced;
    };
  }
  if (isScalarType(nullable) || isEnumType(nullable))
    return (value) => {
      if (value == null) return null;
      try {
        const parsed: unknown = nullable.parseValue(value);
        return parsed === undefined ? NOT_COERCED : parsed;
      } catch {
        return NOT_COERCED;
      }
    };
  throw new Error(`not an input type: ${String(type)}`);
}
