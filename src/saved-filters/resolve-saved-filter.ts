import type { Knex } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../errors';
import { parseUuidArgument } from '../ids';
import type { SavedCriteria } from '../reading/saved-criteria';
import { reviveFilter } from './saved-filter-codec';

/**
 * The criteria of a saved filter the admin may use (their own, or shared in their tenant), for
 * `auditEvents`, `auditStats` and `auditEventRecorded` to AND with their own filter and search.
 * @throws BadUserInputError naming `argument` when it is not a UUID or there is no such filter for this admin.
 */
export async function resolveSavedFilter(
  knex: Knex,
  tenantId: string,
  adminId: string,
  id: string,
  argument = 'savedFilterId',
): Promise<SavedCriteria> {
  const missing = () => new BadUserInputError(argument, 'no saved filter with this id is visible to you');
  const row: { filter: Record<string, unknown>; search: string | null } | undefined = await knex
    .first('filter', 'search')
    .from('saved_filters')
    .where({ id: parseUuidArgument(argument, id), tenant_id: tenantId })
    .andWhere((where) => where.where('owner_id', adminId).orWhere('shared', true));
  if (!row) throw missing();
  return { filter: reviveFilter(row.filter), search: row.search };
}
