import type { GatewayInterface } from '@apollo/server-gateway-interface';
import type { GraphQLSchema } from 'graphql';
import type { AppConfig } from '../config';
import { jitGateway } from './jit-executor';

/** What Apollo Server is given to run operations: the schema itself, or a gateway that runs it with graphql-jit. */
export function executionOptions(
  schema: GraphQLSchema,
  executor: AppConfig['executor'],
): { schema: GraphQLSchema } | { gateway: GatewayInterface } {
  return executor === 'jit' ? { gateway: jitGateway(schema) } : { schema };
}
