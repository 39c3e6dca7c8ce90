import { GraphQLError } from 'graphql';

/** Every error a client can see carries one of these in `extensions.code`. */
export enum ErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  BadUserInput = 'BAD_USER_INPUT',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  QueryTooComplex = 'QUERY_TOO_COMPLEX',
  /** A read ran longer than READ_STATEMENT_TIMEOUT_MS and was cancelled. */
  QueryTimeout = 'QUERY_TIMEOUT',
  /** The owner of a record declined a `revertAuditChange`. */
  RevertRefused = 'REVERT_REFUSED',
  /** The owner of a record did not answer a `revertAuditChange` in time. */
  RevertTimeout = 'REVERT_TIMEOUT',
  /** No owner endpoint is configured for the entity type, or it could not be reached. */
  RevertUnavailable = 'REVERT_UNAVAILABLE',
  InternalServerError = 'INTERNAL_SERVER_ERROR',
}

export class UnauthenticatedError extends GraphQLError {
  constructor(message = 'A valid bearer token is required') {
    super(message, { extensions: { code: ErrorCode.Unauthenticated } });
  }
}

export class ForbiddenError extends GraphQLError {
  constructor(message = 'Your role may not do this') {
    super(message, { extensions: { code: ErrorCode.Forbidden } });
  }
}

/** A read of the audit log that PostgreSQL cancelled after `timeoutMs` (READ_STATEMENT_TIMEOUT_MS). */
export class QueryTimeoutError extends GraphQLError {
  constructor(timeoutMs: number) {
    super(`The read ran longer than ${timeoutMs} ms and was cancelled: narrow its filter, search or range`, {
      extensions: { code: ErrorCode.QueryTimeout },
    });
  }
}

/** Bad input; `argument` names where it is, e.g. `events[3].ipAddress`. */
export class BadUserInputError extends GraphQLError {
  constructor(argument: string, problem: string, extra: Record<string, unknown> = {}) {
    super(`${argument}: ${problem}`, { extensions: { code: ErrorCode.BadUserInput, argument, ...extra } });
  }
}
