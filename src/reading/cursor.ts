import { BadUserInputError } from '../errors';
import { isUuid } from '../ids';

/** A position in newest-first order: occurred_at in microseconds, then id. */
export interface Cursor {
  occurredUs: string;
  id: string;
}

/**
 * Microseconds since 1970 up to 9999-12-31: events are stored from 2000 on, and a position
 * beyond PostgreSQL's timestamp range would fail the query rather than end the page.
 */
const MAX_OCCURRED_US = 253_402_300_799_999_999n;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.occurredUs}:${cursor.id}`).toString('base64url');
}

/** @throws BadUserInputError naming `argument` when the text is not a cursor this service issued. */
export function decodeCursor(text: string, argument = 'after'): Cursor {
  const [occurredUs, id, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split(':');
  const valid =
    rest.length === 0 &&
    /^\d{1,19}$/.test(occurredUs ?? '') &&
    BigInt(occurredUs) <= MAX_OCCURRED_US &&
    isUuid(id ?? '');
  if (!valid) throw new BadUserInputError(argument, 'is not a valid cursor');
  return { occurredUs, id };
}
