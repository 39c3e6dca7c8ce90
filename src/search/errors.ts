import { BadUserInputError } from '../errors';

/** A malformed search; `position` is the 0-based offset of the offending term. */
export class SearchSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'SearchSyntaxError';
  }
}

/** `argument` names where the text came from: `search` for queries, `input.match` for alert rules. */
export function toBadUserInput(error: SearchSyntaxError, argument = 'search'): BadUserInputError {
  return new BadUserInputError(argument, `${error.message} (at position ${error.position})`, {
    position: error.position,
  });
}
