import { ForbiddenError, UnauthenticatedError, type AuditError } from '../errors';
import { Role, type Authentication } from './principal';

/** Why this caller may not act in `role`, or null when it may. */
function roleProblem(auth: Authentication, role: string, refusal: string): AuditError | null {
  if (!auth.principal) return new UnauthenticatedError(`A valid bearer token is required: ${auth.problem}`);
  if (auth.principal.role !== role) return new ForbiddenError(refusal);
  return null;
}

/** Shared by the rules and the paths the rules do not reach. */
export const serviceProblem = (auth: Authentication) =>
  roleProblem(auth, Role.Service, 'Only services may write audit events');
