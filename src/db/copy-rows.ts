import { finished } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * Streams rows, already in COPY's text format (`copyText`), into `table` over a transaction's
 * connection (`connectionOf`). COPY costs PostgreSQL about half the CPU of an INSERT of the same
 * rows, which on a shared machine is throughput for the whole write path.
 * @throws what PostgreSQL answers; the transaction is then aborted, as after any failed statement.
 */
export async function copyRows(
  connection: ClientBase,
  table: string,
  columns: readonly string[],
  rows: string,
): Promise<void> {
  const stream = connection.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  stream.end(rows);
  await finished(stream);
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

/** A `text[]` literal: every item quoted, its quotes and backslashes escaped. */
export function textArrayLiteral(items: readonly string[]): string {
  return `{${items.map((item) => `"${item.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
