import { BadUserInputError } from './errors';

/** Any RFC 9562 layout of 32 hex digits; the version and variant are not checked: producers choose their ids. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/**
 * The id in the lowercase spelling the database returns.
 * @throws BadUserInputError naming `argument` when `value` is not a UUID (PostgreSQL's uuid would fail the whole request).
 */
export function parseUuidArgument(argument: string, value: unknown): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new BadUserInputError(argument, 'is not a UUID');
  return value.toLowerCase();
}
