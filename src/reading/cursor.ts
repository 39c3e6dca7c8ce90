import { BadUserInputError } from '../errors';

/** A position in newest-first order: occurred_at in microseconds, then id. */
export interface Cursor {
  occurredUs: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.occurredUs}:${cursor.id}`).toString('base64url');
}

/** @throws BadUserInputError naming `argument` when the text is not a cursor this service issued. */
export function decodeCursor(text: string, argument = 'after'): Cursor {
  const [occurredUs, id, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split(':');
  if (rest.length > 0 || !/^-?\d{1,19}$/.test(occurredUs ?? '') || !UUID.test(id ?? ''))
    throw new BadUserInputError(argument, 'is not a valid cursor');
  return { occurredUs, id };
}
