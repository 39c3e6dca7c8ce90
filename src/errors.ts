/**
 * Every error a client can see carries one of these as `code`, over GraphQL (HTTP and WebSocket)
 * and any other transport. Domain code throws {@link AuditError}s; each transport maps them in
 * one place (src/execution/graphql-errors.ts for GraphQL).
 */
export enum ErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  BadUserInput = 'BAD_USER_INPUT',
  /** The request itself could not be read: malformed JSON, a bad encoding, a body too large. */
  BadRequest = 'BAD_REQUEST',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  QueryTooComplex = 'QUERY_TOO_COMPLEX',
  /** A read ran longer than READ_STATEMENT_TIMEOUT_MS and was cancelled. */
  QueryTimeout = 'QUERY_TIMEOUT',
  /** A WebSocket connection already runs as many operations as it may (LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION). */
  TooManySubscriptions = 'TOO_MANY_SUBSCRIPTIONS',
  /** The owner of a record declined a `revertAuditChange`. */
  RevertRefused = 'REVERT_REFUSED',
  /** The owner of a record did not answer a `revertAuditChange` in time. */
  RevertTimeout = 'REVERT_TIMEOUT',
  /** No owner endpoint is configured for the entity type, or it could not be reached. */
  RevertUnavailable = 'REVERT_UNAVAILABLE',
  /** A live subscriber fell too far behind; it resumes with `resumeAfterSequence`. */
  SubscriberTooSlow = 'SUBSCRIBER_TOO_SLOW',
  /**
   * A role change took from an open subscription something it was showing (personal data): it
   * ended, and resumes, masked, with `resumeAfterSequence` when one is given.
   */
  PermissionsChanged = 'PERMISSIONS_CHANGED',
  /** A capability this instance does not run, or not over this transport (a subscription over HTTP). */
  NotServedHere = 'NOT_SERVED_HERE',
  /** A signed download link older than its lifetime: a fresh one comes with each read of the export. */
  LinkExpired = 'LINK_EXPIRED',
  /** Past a rate limit; the caller may try again after `retryAfterSeconds`. */
  RateLimited = 'RATE_LIMITED',
  InternalServerError = 'INTERNAL_SERVER_ERROR',
  /** Apollo Server's codes over HTTP; given the same meaning over WebSocket. */
  GraphqlParseFailed = 'GRAPHQL_PARSE_FAILED',
  GraphqlValidationFailed = 'GRAPHQL_VALIDATION_FAILED',
}

/** An error the caller can act on: a stable code and details, independent of the transport. */
export class AuditError extends Error {
  /** `code` plus details; GraphQL copies these into the error's `extensions`. */
  readonly extensions: Readonly<Record<string, unknown>> & { readonly code: ErrorCode };

  constructor(
    readonly code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.extensions = { ...details, code };
  }
}

export class UnauthenticatedError extends AuditError {
  constructor(message = 'A valid bearer token is required', details: Record<string, unknown> = {}) {
    super(ErrorCode.Unauthenticated, message, details);
  }
}

export class ForbiddenError extends AuditError {
  constructor(message = 'Your role may not do this') {
    super(ErrorCode.Forbidden, message);
  }
}

/** A read of the audit log that PostgreSQL cancelled after `timeoutMs` (READ_STATEMENT_TIMEOUT_MS). */
export class QueryTimeoutError extends AuditError {
  constructor(timeoutMs: number) {
    super(
      ErrorCode.QueryTimeout,
      `The read ran longer than ${timeoutMs} ms and was cancelled: narrow its filter, search or range`,
    );
  }
}

/** Bad input; `argument` names where it is, e.g. `events[3].ipAddress`. */
export class BadUserInputError extends AuditError {
  constructor(
    readonly argument: string,
    problem: string,
    extra: Record<string, unknown> = {},
  ) {
    super(ErrorCode.BadUserInput, `${argument}: ${problem}`, { argument, ...extra });
  }
}

/** `argument` names an id that matches nothing the caller may see (another tenant's ids look the same). */
export class NotFoundError extends AuditError {
  constructor(argument: string, what: string) {
    super(ErrorCode.NotFound, `${argument}: no ${what} with this id is visible to you`, { argument });
  }
}
