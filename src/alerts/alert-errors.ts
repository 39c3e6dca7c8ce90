import { NotFoundError } from '../errors';

/** The id names no rule or alert of the caller's tenant (another tenant's ids look the same). */
export class AlertNotFoundError extends NotFoundError {
  constructor(what: 'rule' | 'alert') {
    super('id', what);
  }
}
