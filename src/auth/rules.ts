import { rule } from 'graphql-shield';
import type { RequestContext } from '../core/context';
import { adminProblem, serviceProblem } from './admin-problem';

export const isAdmin = rule('isAdmin', { cache: 'contextual' })(
  (_parent, _args, { auth }: RequestContext) => adminProblem(auth) ?? true,
);
export const isService = rule('isService', { cache: 'contextual' })(
  (_parent, _args, { auth }: RequestContext) => serviceProblem(auth) ?? true,
);
