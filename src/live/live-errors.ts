import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors';

/** A subscriber let its buffer fill up: it resumes from the last event it was sent. */
export function tooSlowError(limit: number, resumeAfterSequence: string): GraphQLError {
  return new GraphQLError(
    `You fell more than ${limit} events behind and were cut off from the live feed: ` +
      `subscribe again with afterSequence: "${resumeAfterSequence}" to get the rest.`,
    { extensions: { code: ErrorCode.SubscriberTooSlow, resumeAfterSequence } },
  );
}

/** The subscriber's token expired during the subscription. */
export function tokenExpiredError(resumeAfterSequence: string): GraphQLError {
  return new GraphQLError(
    `Your token expired: connect again with a fresh token and subscribe with afterSequence: "${resumeAfterSequence}".`,
    { extensions: { code: ErrorCode.Unauthenticated, resumeAfterSequence } },
  );
}
