import { Kind, valueFromASTUntyped, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/** An operation compiled by graphql-jit, with the defaults of its variables. */
export interface CompiledOperation {
  query: CompiledQuery;
  /** graphql-jit 0.8 reports `$x: String! = "UTC"` left out as missing: the executor fills these in. */
  defaults: [string, unknown][];
}

/**
 * graphql-jit reads argument literals when it compiles, so a variable inside one (`[{ __typename:
 * "AuditEvent", id: $id }]`, an `_Any` scalar) would arrive as undefined: graphql-js runs those.
 */
function hasVariableInLiteral(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Variable(_node, _key, _parent, _path, ancestors) {
      if (ancestors.some((a) => 'kind' in a && (a.kind === Kind.OBJECT || a.kind === Kind.LIST))) found = true;
    },
  });
  return found;
}

/** The defaults as a client would send them (JSON values, enums by name): graphql-jit coerces them. */
function variableDefaults(document: DocumentNode, operationName: string | null): [string, unknown][] {
  const defaults: [string, unknown][] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && definition.name?.value !== operationName) continue;
    for (const variable of definition.variableDefinitions ?? [])
      if (variable.defaultValue)
        defaults.push([variable.variable.name.value, valueFromASTUntyped(variable.defaultValue)]);
  }
  return defaults;
}

/** The compiled operation, or null when graphql-js must run it (it also reports what is wrong with it). */
export function compileOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null,
): CompiledOperation | null {
  if (hasVariableInLiteral(document)) return null;
  try {
    const query = compileQuery(schema, document, operationName ?? undefined, {
      // Stacks are never sent (includeStacktraceInErrorResponses: false): not worth capturing.
      disablingCapturingStackErrors: true,
    });
    return isCompiledQuery(query) ? { query, defaults: variableDefaults(document, operationName) } : null;
  } catch {
    return null;
  }
}
