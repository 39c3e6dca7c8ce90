import { AuditError, ErrorCode } from '../errors';
import type { Redaction } from '../events/redaction';
import type { SearchQuery, SearchTerm } from '../search/ast';
import { parseSearchArgument } from '../search/parse';
import type { EventCriteria } from './apply-criteria';

/** A read that would match on personal data its caller may not see: answering it would tell what is masked. */
export class PersonalSearchForbiddenError extends AuditError {
  constructor(argument: string, what: string) {
    super(
      ErrorCode.Forbidden,
      `${argument}: ${what} matches personal data, which your role may not read (READ_PERSONAL_DATA)`,
      { argument },
    );
  }
}

/**
 * Which part of a search touches personal data, or null. `user:` (actor emails), `ip:` and bare
 * words (they match emails, addresses, user agents and changed values) always do; `old_value:`
 * and `new_value:` do unless the search names, with positive `field:` terms, only fields that no
 * entity type of the tenant marks personal.
 */
export function personalTermOf(query: SearchQuery, redaction: Redaction): string | null {
  const fieldTerms = query.terms.filter((term) => term.kind === 'value' && term.key === 'field' && !term.negated);
  const personal = [...redaction.personalFields.values()].flat();
  const namesOnlyPlainFields =
    fieldTerms.length > 0 &&
    fieldTerms.every(
      (term) =>
        term.kind === 'value' && !personal.some((field) => term.value === field || term.value.startsWith(`${field}.`)),
    );
  const touches = (term: SearchTerm): string | null => {
    if (term.kind === 'text') return `the bare word "${term.text}"`;
    if (term.kind === 'ip') return 'ip:';
    if (term.kind !== 'value') return null;
    if (term.key === 'user') return 'user:';
    if ((term.key === 'old_value' || term.key === 'new_value') && !namesOnlyPlainFields)
      return `${term.key}: without field: terms naming only fields not marked personal`;
    return null;
  };
  for (const term of query.terms) {
    const found = touches(term);
    if (found) return found;
  }
  return null;
}

/** @throws PersonalSearchForbiddenError naming `argument` when `search` would match on what `redaction` masks. */
export function checkSearchVisible(search: string | null | undefined, redaction: Redaction | null, argument: string) {
  const found = redaction && search ? personalTermOf(parseSearchArgument(search, argument), redaction) : null;
  if (found) throw new PersonalSearchForbiddenError(argument, found);
}

/**
 * @throws PersonalSearchForbiddenError naming `filter.ip`, `search` or `savedFilterId` (after
 * `argumentPrefix`, as `input.`) under a redaction.
 */
export function checkCriteriaVisible(criteria: EventCriteria, redaction: Redaction | null, argumentPrefix = '') {
  if (!redaction) return;
  const check = (
    ip: string | undefined,
    search: string | null | undefined,
    ipArgument: string,
    searchArgument: string,
  ) => {
    if (ip?.trim()) throw new PersonalSearchForbiddenError(ipArgument, 'an IP address filter');
    checkSearchVisible(search, redaction, searchArgument);
  };
  const savedFilterId = `${argumentPrefix}savedFilterId`;
  check(criteria.filter?.ip, criteria.search, `${argumentPrefix}filter.ip`, `${argumentPrefix}search`);
  if (criteria.saved) check(criteria.saved.filter.ip, criteria.saved.search, savedFilterId, savedFilterId);
}
