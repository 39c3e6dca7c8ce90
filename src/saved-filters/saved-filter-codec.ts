import type { Services } from '../core/context';
import { SEALED_VALUES } from '../core/sealed-values';
import { applyEventFilter, type EventFilter } from '../reading/event-filter';
import type { SavedCriteria } from '../reading/saved-criteria';
import { parseSearchArgument } from '../search/parse';

/**
 * Checks a filter and a search before they are saved, so that running them later cannot fail.
 * @throws BadUserInputError naming `input.filter.<field>` or `input.search`.
 */
export function checkSavedCriteria(services: Services, criteria: SavedCriteria): void {
  applyEventFilter(services.knex.queryBuilder(), criteria.filter, {
    alias: 'e',
    argument: 'input.filter',
    blindIndex: services.get(SEALED_VALUES),
  });
  if (criteria.search) parseSearchArgument(criteria.search, 'input.search');
}

/** The stored JSON back as an EventFilter: dates were saved as ISO strings. */
export function reviveFilter(stored: Record<string, unknown>): EventFilter {
  const filter = { ...stored } as EventFilter & { from?: Date | string; to?: Date | string };
  if (typeof filter.from === 'string') filter.from = new Date(filter.from);
  if (typeof filter.to === 'string') filter.to = new Date(filter.to);
  return filter;
}
