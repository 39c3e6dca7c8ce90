import { finished } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * Streams rows, already in COPY's text format (`copyText`), into `table` over a transaction's
 * connection (`connectionOf`). COPY costs PostgreSQL about half the CPU of an INSERT of the same
 * rows, which on a shared machine is throughput for the whole write path. Given items and `line`,
 * each item's line (ending in a newline) is made and encoded into one buffer in turn, so that it is
 * garbage at once: lines all made before any is encoded are alive together, and a young-generation
 * collection landing meanwhile copies every one of them (see bench/README.md, JetStream).
 * @throws what PostgreSQL answers; the transaction is then aborted, as after any failed statement.
 */
export function copyRows(
  connection: ClientBase,
  table: string,
  columns: readonly string[],
  rows: string | readonly string[],
): Promise<void>;
export function copyRows<T>(
  connection: ClientBase,
  table: string,
  columns: readonly string[],
  items: readonly T[],
  line: (item: T) => string,
): Promise<void>;
export function copyRows<T>(
  connection: ClientBase,
  table: string,
  columns: readonly string[],
  rows: string | readonly T[],
  line?: (item: T) => string,
): Promise<void> {
  const stream = connection.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  stream.end(typeof rows === 'string' ? rows : encodeLines(rows, line ?? (String as (item: T) => string)));
  // Not awaited here: the lines are garbage once encoded, not kept alive until PostgreSQL answers.
  return finished(stream);
}

/** Room for a line before it is encoded: UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const MAX_UTF8_BYTES_PER_UNIT = 3;
/** A buffer's first size per item: one growth for the usual audit event's row. */
const FIRST_BYTES_PER_ITEM = 2048;

function encodeLines<T>(items: readonly T[], line: (item: T) => string): Buffer {
  let buffer = Buffer.allocUnsafe(items.length * FIRST_BYTES_PER_ITEM);
  let offset = 0;
  for (const item of items) {
    const text = line(item);
    const room = text.length * MAX_UTF8_BYTES_PER_UNIT;
    if (buffer.length - offset < room) {
      const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, offset + room));
      buffer.copy(grown, 0, 0, offset);
      buffer = grown;
    }
    offset += buffer.write(text, offset);
  }
  return buffer.subarray(0, offset);
}

const SPECIAL = /[\\\n\r\t]/;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value in COPY's text format: NULL as `\N`; backslash, newline, carriage return and tab escaped. */
export function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return SPECIAL.test(value) ? value.replace(/[\\\n\r\t]/g, (char) => ESCAPED[char]) : value;
}

/**
 * `copyText` of JSON as `JSON.stringify` writes it, which escapes control characters: only its
 * backslashes need doubling.
 */
export function copyJson(json: string | null): string {
  if (json === null) return '\\N';
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}

const ARRAY_ITEM_SPECIAL = /["\\]/;

/** A `text[]` literal: every item quoted, its quotes and backslashes escaped. */
export function textArrayLiteral(items: readonly string[]): string {
  let literal = '{';
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const quoted = ARRAY_ITEM_SPECIAL.test(item) ? item.replace(/["\\]/g, '\\$&') : item;
    literal += i === 0 ? `"${quoted}"` : `,"${quoted}"`;
  }
  return `${literal}}`;
}
