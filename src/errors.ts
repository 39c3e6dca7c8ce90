import { GraphQLError } from 'graphql';

/** Every error a client can see carries one of these in `extensions.code`. */
export enum ErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  BadUserInput = 'BAD_USER_INPUT',
  /** The HTTP request itself could not be read: malformed JSON, bad compression, too large. */
  BadRequest = 'BAD_REQUEST',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  QueryTooComplex = 'QUERY_TOO_COMPLEX',
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

/** Bad input; `argument` names where it is, e.g. `events[3].ipAddress`. */
export class BadUserInputError extends GraphQLError {
  constructor(argument: string, problem: string, extra: Record<string, unknown> = {}) {
    super(`${argument}: ${problem}`, { extensions: { code: ErrorCode.BadUserInput, argument, ...extra } });
  }
}
