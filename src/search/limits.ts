/**
 * How much search text is accepted wherever it is written (`search` arguments, saved filters, alert
 * rules' `match`): each term becomes its own SQL condition, and a long search held a backend for as
 * long as the statement ran. Both are stated in the README.
 */
export const SEARCH_LIMITS = {
  maxLength: 1000,
  maxTerms: 20,
} as const;
