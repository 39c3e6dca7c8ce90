import { serviceKey, tenantOf, type RequestContext } from '../core/context';
import type { EventFilter } from './event-filter';

/** A saved filter's criteria, ANDed with a query's own filter and search. */
export interface SavedCriteria {
  filter: EventFilter;
  search: string | null;
}

/**
 * The criteria of a saved filter the admin may use.
 * @throws BadUserInputError naming `argument` when no such filter is visible to the admin.
 */
export type SavedCriteriaLookup = (
  tenantId: string,
  adminId: string,
  id: string,
  argument?: string,
) => Promise<SavedCriteria>;

/** Provided by the saved-filters module; read by every query that takes a `savedFilterId`. */
export const SAVED_CRITERIA = serviceKey<SavedCriteriaLookup>('saved-filters.criteria');

/** The caller's saved filter `id` (behind its permission rule), or undefined when none is asked for. */
export async function savedCriteriaOf(
  context: RequestContext,
  id: string | null | undefined,
  argument = 'savedFilterId',
): Promise<SavedCriteria | undefined> {
  if (!id) return undefined;
  return context.services.get(SAVED_CRITERIA)(tenantOf(context), context.auth.principal!.subject, id, argument);
}
