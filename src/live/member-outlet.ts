import type { SocketWriter } from './socket-writer';

/** Where a feed member's frames go: its connection, and its subscription's id there. */
export interface MemberOutlet {
  writer: SocketWriter;
  subscriptionId: string;
}

/**
 * The start of a subscription's graphql-transport-ws `next` messages, up to the payload. A frame
 * is this, the event's shared JSON and `}`: the same text graphql-ws would send for
 * `{ id, type: 'next', payload }`, without serialising the payload again per subscriber.
 */
export function nextFramePrefix(subscriptionId: string): string {
  return `{"id":${JSON.stringify(subscriptionId)},"type":"next","payload":`;
}
