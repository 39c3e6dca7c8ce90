import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

/** What a caller may choose as its request id: anything else is replaced, not echoed into logs. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every HTTP answer an `x-request-id` (the caller's, when it is a plain token, else a new
 * UUID), refusals before GraphQL included, so that a caller can quote it and logs can be matched.
 */
export const requestIdMiddleware: RequestHandler = (request, response, next) => {
  const given = request.get('x-request-id');
  const requestId = given && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
  response.locals.requestId = requestId;
  response.setHeader('x-request-id', requestId);
  next();
};

/** The id {@link requestIdMiddleware} gave this response. */
export function requestIdOf(response: Response): string {
  return response.locals.requestId as string;
}
