import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors';

/**
 * Subscriptions are served over WebSocket. Over HTTP, graphql-js would run each subscription
 * field's resolver once, without its stream, and answer an internal error.
 */
export const subscriptionsOverHttpRefused: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation === 'subscription')
          throw new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) on /graphql', {
            extensions: { code: ErrorCode.BadRequest, http: { status: 400 } },
          });
      },
    };
  },
};
