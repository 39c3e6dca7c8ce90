import { finished } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * Streams rows, already in COPY's text format (`copyText`), into `table` over a transaction's
 * connection (`connectionOf`). COPY costs PostgreSQL about half the CPU of an INSERT of the same
 * rows, which on a shared machine is throughput for the whole write path. Rows given as lines (each
 * ending in a newline) are encoded line by line into one buffer: cheaper than encoding one string of
 * the whole batch built by `+=` (see bench/README.md, JetStream).
 * @throws what PostgreSQL answers; the transaction is then aborted, as after any failed statement.
 */
export function copyRows(
  connection: ClientBase,
  table: string,
  columns: readonly string[],
  rows: string | readonly string[],
): Promise<void> {
  const stream = connection.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  stream.end(typeof rows === 'string' ? rows : encodeLines(rows));
  // Not awaited here: the lines are garbage once encoded, not kept alive until PostgreSQL answers.
  return finished(stream);
}

function encodeLines(lines: readonly string[]): Buffer {
  let bytes = 0;
  for (const line of lines) bytes += Buffer.byteLength(line);
  const buffer = Buffer.allocUnsafe(bytes);
  let offset = 0;
  for (const line of lines) offset += buffer.write(line, offset);
  return buffer;
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
