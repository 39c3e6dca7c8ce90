import { createSourceEventStream, subscribe, type ExecutionArgs } from 'graphql';
import { subscribesToLiveField } from './live-operation';

/**
 * graphql-ws's `subscribe`. graphql-js would execute the selection once per subscriber and
 * event; the live field's stream yields results its feed already executed once for all of
 * them, so its source stream is returned as it is. Other subscriptions go through graphql-js.
 */
export async function liveAwareSubscribe(args: ExecutionArgs): ReturnType<typeof subscribe> {
  if (!subscribesToLiveField(args.document, args.operationName)) return subscribe(args);
  return createSourceEventStream(args) as ReturnType<typeof subscribe>;
}
