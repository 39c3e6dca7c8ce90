import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { GraphQLError } from 'graphql';
import { AuditError, ErrorCode } from '../errors';
import type { Logger } from '../observability/logger';
import { formatGraphQLError, logInternalErrors } from './graphql-errors';

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.BadUserInput]: 400,
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.GraphqlParseFailed]: 400,
  [ErrorCode.GraphqlValidationFailed]: 400,
  [ErrorCode.QueryTooComplex]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.LinkExpired]: 410,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.NotServedHere]: 501,
  [ErrorCode.QueryTimeout]: 503,
};

/** An RFC 9457 problem: the HTTP form of an error, with the same `code` (and details) as GraphQL's `extensions`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  [detail: string]: unknown;
}

/**
 * The problem an error shows over HTTP, under GraphQL's error policy (formatGraphQLError): coded
 * errors keep their code and details, anything else is a bare INTERNAL_SERVER_ERROR.
 */
export function problemOf(error: unknown): Problem {
  const graphqlError =
    error instanceof GraphQLError
      ? error
      : new GraphQLError(error instanceof Error ? error.message : String(error), {
          originalError: error instanceof Error ? error : undefined,
          extensions: error instanceof AuditError ? error.extensions : {},
        });
  const formatted = formatGraphQLError(graphqlError.toJSON(), graphqlError);
  const { code, ...details } = formatted.extensions as { code: string } & Record<string, unknown>;
  const status = STATUS[code] ?? 500;
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail: formatted.message,
    code,
    ...details,
  };
}

/** Answers with the error as `application/problem+json`; internal errors are logged, and masked. */
export function sendProblem(res: Response, error: unknown, log: Logger): void {
  const problem = problemOf(error);
  if (problem.status === 500)
    logInternalErrors(log, [
      error instanceof GraphQLError ? error : new GraphQLError(String(error), { originalError: error as Error }),
    ]);
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}
