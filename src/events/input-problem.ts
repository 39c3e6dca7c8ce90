import { BadUserInputError } from '../errors';

/**
 * @throws BadUserInputError naming `events[index].field`. The name is built only here, for the
 * error: a valid batch of 500 events would otherwise build thousands of them.
 */
export function failInput(index: number, field: string, problem: string): never {
  throw new BadUserInputError(`events[${index}].${field}`, problem);
}
