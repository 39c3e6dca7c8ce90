import type { ExecutionResult, GraphQLError } from 'graphql';

type Outcome = IteratorResult<ExecutionResult>;

const DONE: Outcome = { value: undefined, done: true };

/**
 * What graphql-ws iterates for a live subscription. The events are written straight to the
 * socket by the shared feed (see FeedMember), not passed through graphql-ws one by one, so this
 * yields nothing but the error that ends it, if one does: graphql-ws then sends it as a `next`
 * carrying `errors`, then `complete` (after every frame already written, since both go through
 * the same socket). Not thrown: graphql-ws would send its `error` message, which gateways'
 * upstream clients throw on and mask. graphql-ws calls `return` when the client completes or
 * disconnects.
 */
export class SubscriptionEnd implements AsyncIterableIterator<ExecutionResult> {
  private ended = false;
  private failure: GraphQLError | undefined;
  private waiter: ((outcome: Outcome) => void) | null = null;

  constructor(private readonly onReturn: () => void) {}

  /** The server ends the subscription; the client gets `error` as the last result, then `complete`. */
  end(error?: GraphQLError): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) waiter(this.outcome());
  }

  next(): Promise<Outcome> {
    return new Promise((resolve) => {
      if (this.ended) resolve(this.outcome());
      else this.waiter = resolve;
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

  /** The error is told once, then the iteration is done. */
  private outcome(): Outcome {
    const failure = this.failure;
    this.failure = undefined;
    return failure ? { value: { errors: [failure] }, done: false } : DONE;
  }
}
