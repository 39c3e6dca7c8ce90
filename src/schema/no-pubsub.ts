import type { PubSub } from 'type-graphql';

/**
 * type-graphql refuses subscriptions without a PubSub, but ours bring their own `subscribe`
 * (the live feed reads the table; the fan-out transports only say when to read).
 */
export const noPubSub: PubSub = {
  publish() {
    throw new Error('events are not published through type-graphql: they are read from audit_events');
  },
  subscribe() {
    throw new Error('every subscription field gives its own `subscribe`');
  },
};
