import type { ExecutionResult, GraphQLError } from 'graphql';

type Outcome = IteratorResult<ExecutionResult>;

const DONE: Outcome = { value: undefined, done: true };

/**
 * What graphql-ws iterates for a live subscription. The events are written straight to the
 * socket by the shared feed (see FeedMember), not passed through graphql-ws one by one, so this
 * yields nothing: it settles once, when the subscription ends. Done, and graphql-ws sends
 * `complete`; thrown, and it sends `error` (after every frame already written, since both go
 * through the same socket). graphql-ws calls `return` when the client completes or disconnects.
 */
export class SubscriptionEnd implements AsyncIterableIterator<ExecutionResult> {
  private ended = false;
  private failure: GraphQLError | undefined;
  private waiter: { resolve: (outcome: Outcome) => void; reject: (error: GraphQLError) => void } | null = null;

  constructor(private readonly onReturn: () => void) {}

  /** The server ends the subscription; the client gets `error` when given, else `complete`. */
  end(error?: GraphQLError): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) this.settle(waiter.resolve, waiter.reject);
  }

  next(): Promise<Outcome> {
    // The promise is made only when asked for, so that an error nobody iterates (the client
    // completed before graphql-ws started) is not an unhandled rejection.
    return new Promise((resolve, reject) => {
      if (this.ended) this.settle(resolve, reject);
      else this.waiter = { resolve, reject };
    });
  }

  async return(): Promise<Outcome> {
    this.onReturn();
    this.end();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The error is told once; graphql-ws does not ask again after it. */
  private settle(resolve: (outcome: Outcome) => void, reject: (error: GraphQLError) => void): void {
    const failure = this.failure;
    this.failure = undefined;
    if (failure) reject(failure);
    else resolve(DONE);
  }
}
