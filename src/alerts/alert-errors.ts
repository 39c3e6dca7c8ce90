import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors';

/** The id names no rule or alert of the caller's tenant (another tenant's ids look the same). */
export class AlertNotFoundError extends GraphQLError {
  constructor(what: 'rule' | 'alert', id: string) {
    super(`No ${what} with id "${id}" in your organization`, {
      extensions: { code: ErrorCode.NotFound, argument: 'id' },
    });
  }
}
