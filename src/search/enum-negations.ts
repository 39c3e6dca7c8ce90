import type { SearchTerm, ValueKey, ValueTerm } from './ast';
import { ENUM_KEY_VALUES } from './keyed-term';

/** The terms with negations of enumerated keys folded into positive ones, or `null` when they leave no value. */
export type FoldedTerms = SearchTerm[] | null;

/**
 * Negations of `action:`, `category:` and `source:` as the positive values they leave:
 * `-source:UI -source:API` is `source:IMPORT source:SYSTEM …`, and `action:CREATE action:VIEW
 * -action:VIEW` is `action:CREATE`. A negation cannot use the search index, a value can: a negation
 * whose complement is rare would otherwise read the tenant's whole log. Exact because those columns
 * only ever hold a value of their enum (the write path refuses any other). `null`: no value is left,
 * so nothing matches.
 */
export function foldEnumNegations(terms: SearchTerm[]): FoldedTerms {
  const negated = new Map<ValueKey, Set<string>>();
  for (const term of terms)
    if (term.kind === 'value' && term.negated && ENUM_KEY_VALUES[term.key])
      negated.set(term.key, (negated.get(term.key) ?? new Set()).add(term.value));
  if (negated.size === 0) return terms;

  const folded: SearchTerm[] = [];
  const positive = new Map<ValueKey, ValueTerm[]>();
  for (const term of terms) {
    if (term.kind === 'value' && negated.has(term.key)) {
      if (!term.negated) positive.set(term.key, [...(positive.get(term.key) ?? []), term]);
    } else folded.push(term);
  }
  for (const [key, excluded] of negated) {
    const position = terms.find((term) => term.kind === 'value' && term.key === key)!.position;
    const candidates = positive.get(key)?.map((term) => term.value) ?? ENUM_KEY_VALUES[key]!;
    const left = [...new Set(candidates)].filter((value) => !excluded.has(value));
    if (left.length === 0) return null;
    for (const value of left) folded.push({ kind: 'value', key, value, negated: false, position });
  }
  return folded;
}
