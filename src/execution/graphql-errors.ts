import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AuditError, ErrorCode } from '../errors';
import type { Logger } from '../observability/logger';

/** Codes of graphql-js and Apollo Server that describe the request itself: shown as they are. */
const REQUEST_CODES = new Set<string>([
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);
const CLIENT_CODES = new Set<string>([
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.InternalServerError),
  ...REQUEST_CODES,
]);

/** The code an error shows its caller, or null when it is internal and must be masked. */
function clientCode(formatted: GraphQLFormattedError, error: unknown): string | null {
  const original = unwrapResolverError(error);
  if (original instanceof AuditError) return original.code;
  const code = formatted.extensions?.code;
  return typeof code === 'string' && CLIENT_CODES.has(code) ? code : null;
}

/** A domain error as graphql-ws and graphql-js want errors returned (not thrown). */
export function toGraphQLError(error: AuditError): GraphQLError {
  return new GraphQLError(error.message, { extensions: error.extensions, originalError: error });
}

/** True when the error is the service's own fault: it is logged, and its caller sees a masked one. */
function isInternal(error: unknown): boolean {
  const formatted = error instanceof GraphQLError ? error.toJSON() : { message: String(error) };
  return clientCode(formatted, error) === null;
}

/**
 * The one error policy of GraphQL, over HTTP and WebSocket and with either executor: coded errors
 * reach the client with their code and details (never a stack), everything else becomes a bare
 * `INTERNAL_SERVER_ERROR` with its `path` and `locations`. Internal errors are logged where the
 * request's logger is known (see `logInternalErrors`).
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = clientCode(formatted, error);
  if (code !== null) {
    const original = unwrapResolverError(error);
    const details: Record<string, unknown> =
      original instanceof AuditError ? { ...original.extensions } : { ...formatted.extensions };
    // Apollo Server's HTTP status hint; meaningless over WebSocket.
    delete details.stacktrace;
    delete details.http;
    return { ...formatted, extensions: { ...details, code } };
  }
  return {
    message: 'Internal server error',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: ErrorCode.InternalServerError },
  };
}

/** Logs each internal error of one operation once, with the request's logger (and so its request id). */
export function logInternalErrors(log: Logger, errors: readonly unknown[]): void {
  for (const error of errors)
    if (isInternal(error))
      log.error(
        { err: unwrapResolverError(error), path: error instanceof GraphQLError ? error.path : undefined },
        'unexpected error while serving a request',
      );
}
