import { Transform, type TransformCallback } from 'node:stream';
import type { Knex } from '@mikro-orm/postgresql';
import { isSealed, SEALED_PREFIX, SEALED_TEXT, type SealableRow, type SealedValues } from '../core/sealed-values';

const SEALED_MARK = Buffer.from(SEALED_PREFIX);
const NEWLINE = 0x0a;
const QUOTE = 0x22;
/** A sealed value as a JSON string. */
const SEALED_JSON = new RegExp(`"${SEALED_TEXT.source}"`, 'g');
const REDACTED_FIELDS_KEY = '"redactedFields":';

/** An exported event as the nested formats (JSON, NDJSON, the PDF's rows) carry it. */
export interface NestedExportRow {
  actor: { email: string | null };
  ipAddress: string | null;
  userAgent?: string | null;
  location?: unknown;
  changes: Array<{ field: string; oldValue: unknown; newValue: unknown }>;
  redactedFields: string[];
}

/**
 * The row's `redactedFields` with its erased fields: those first, as the read path lists them
 * (src/events/redaction.ts); null when none was erased.
 */
function withErased(erased: readonly string[] | undefined, listed: readonly string[]): string[] | null {
  if (!erased) return null;
  return [...erased, ...listed.filter((name) => !erased.includes(name))];
}

/**
 * Opens the sealed values of `rows` (rows without any are left alone): what each sealed text
 * opens to, null for an erased subject's, and each row's erased fields in its `erased`.
 */
async function openTexts(knex: Knex, sealed: SealedValues, rows: SealableRow[]): Promise<Map<string, unknown>> {
  const before = rows.map((row) => ({ ...row, changes: row.changes && [...row.changes] }));
  await sealed.open(knex, rows);
  const opened = new Map<string, unknown>();
  const note = (text: unknown, value: unknown) => {
    if (isSealed(text)) opened.set(text, value);
  };
  rows.forEach((row, index) => {
    const was = before[index];
    note(was.actor_email, row.actor_email);
    note(was.ip_address, row.ip_address);
    note(was.user_agent, row.user_agent);
    note(was.location, row.location);
    was.changes?.forEach((change, at) => {
      note(change.oldValue, row.changes![at].oldValue);
      note(change.newValue, row.changes![at].newValue);
    });
  });
  return opened;
}

const sealableOf = (row: NestedExportRow): SealableRow => ({
  actor_email: row.actor.email,
  ip_address: row.ipAddress,
  user_agent: row.userAgent,
  location: row.location,
  changes: row.changes,
});

/** Opens, in place, the sealed values of the PDF report's rows; an erased subject's read as null, named in `redactedFields`. */
export async function openNestedRows(knex: Knex, sealed: SealedValues, rows: NestedExportRow[]): Promise<void> {
  const sealable = rows.map(sealableOf);
  await sealed.open(knex, sealable);
  rows.forEach((row, index) => {
    const open = sealable[index];
    row.actor.email = open.actor_email ?? null;
    row.ipAddress = open.ip_address ?? null;
    if ('userAgent' in row) row.userAgent = open.user_agent;
    if ('location' in row) row.location = open.location;
    row.changes = open.changes ?? [];
    row.redactedFields = withErased(open.erased, row.redactedFields) ?? row.redactedFields;
  });
}

/** The JSON text with its sealed JSON strings replaced by what they open to. */
const withOpened = (json: string, opened: ReadonlyMap<string, unknown>): string =>
  json.replace(SEALED_JSON, (text) => {
    const sealedText = text.slice(1, -1);
    return opened.has(sealedText) ? JSON.stringify(opened.get(sealedText)) : text;
  });

/** As PostgreSQL prints a jsonb array of strings. */
const jsonbList = (names: readonly string[]): string => `[${names.map((name) => JSON.stringify(name)).join(', ')}]`;

/**
 * Rewrites, in a stream of the export's records, the records that carry sealed values: their values
 * opened, an erased subject's null and named in `redactedFields`, every other byte as PostgreSQL
 * wrote it (so numbers and formatting stay exact). It follows RowCounter, whose chunks end with a
 * whole record: a chunk without a sealed value passes as it is, the records of one that has some
 * are opened with one key lookup.
 */
abstract class OpenSealedRecords extends Transform {
  constructor(
    protected readonly knex: Knex,
    protected readonly sealed: SealedValues,
  ) {
    super();
  }

  /** The chunk's records, rewritten. */
  protected abstract rewrite(text: string): Promise<string>;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (chunk.indexOf(SEALED_MARK) < 0) return done(null, chunk);
    this.rewrite(chunk.toString('utf8')).then((text) => done(null, Buffer.from(text)), done);
  }
}

/** NDJSON rows (JSON and NDJSON exports): one `row_to_json` object a line, `redactedFields` last. */
class OpenSealedJsonLines extends OpenSealedRecords {
  protected async rewrite(text: string): Promise<string> {
    const lines = text.split('\n');
    const sealedAt = lines.flatMap((line, index) => (line.includes(SEALED_PREFIX) ? [index] : []));
    const parsed = sealedAt.map((index) => JSON.parse(lines[index]) as NestedExportRow);
    const rows = parsed.map(sealableOf);
    const opened = await openTexts(this.knex, this.sealed, rows);
    sealedAt.forEach((index, at) => {
      let line = withOpened(lines[index], opened);
      const redacted = withErased(rows[at].erased, parsed[at].redactedFields);
      // `redactedFields` is the last key of the object.
      if (redacted)
        line = `${line.slice(0, line.lastIndexOf(REDACTED_FIELDS_KEY) + REDACTED_FIELDS_KEY.length)}${JSON.stringify(redacted)}}`;
      lines[index] = line;
    });
    return lines.join('\n');
  }
}

/** A CSV field: its text as written, and its value (null: unquoted and empty, SQL NULL). */
interface CsvField {
  raw: string;
  value: string | null;
}

function parseCsvRecord(record: string): CsvField[] {
  const fields: CsvField[] = [];
  let at = 0;
  for (;;) {
    if (record[at] === '"') {
      let value = '';
      let from = at + 1;
      for (;;) {
        const quote = record.indexOf('"', from);
        value += record.slice(from, quote);
        if (record[quote + 1] !== '"') {
          fields.push({ raw: record.slice(at, quote + 1), value });
          at = quote + 1;
          break;
        }
        value += '"';
        from = quote + 2;
      }
    } else {
      const comma = record.indexOf(',', at);
      const end = comma < 0 ? record.length : comma;
      const raw = record.slice(at, end);
      fields.push({ raw, value: raw === '' ? null : raw });
      at = end;
    }
    if (at >= record.length) return fields;
    at += 1;
  }
}

/** As COPY's CSV writes a value: quoted when it holds a quote, comma or line break, or is empty. */
function csvText(value: string | null): string {
  if (value === null) return '';
  return value === '' || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The CSV columns that can hold sealed values, and `redactedFields`. */
const CSV_TEXT_COLUMNS = ['actor.email', 'ipAddress', 'userAgent'] as const;
const CSV_JSON_COLUMNS = ['location', 'changes'] as const;

/** CSV records with a header row: a line break inside quotes does not end a record. */
class OpenSealedCsv extends OpenSealedRecords {
  private columns: Map<string, number> | null = null;

  override _transform(chunk: Buffer, encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.columns) {
      // The first chunk begins with the header row, which has no line break inside quotes.
      const header = parseCsvRecord(chunk.subarray(0, chunk.indexOf(NEWLINE)).toString('utf8').replace(/\r$/, ''));
      this.columns = new Map(header.map((field, index) => [field.value ?? '', index]));
    }
    super._transform(chunk, encoding, done);
  }

  protected async rewrite(text: string): Promise<string> {
    const records = splitCsvRecords(text);
    const columns = this.columns!;
    const sealedAt = records.flatMap((record, index) => (record.includes(SEALED_PREFIX) ? [index] : []));
    // Records end with CRLF here (RowCounter wrote the CRs).
    const parsed = sealedAt.map((index) => parseCsvRecord(records[index].replace(/\r$/, '')));
    const value = (fields: CsvField[], column: string) => {
      const index = columns.get(column);
      return index === undefined ? undefined : fields[index].value;
    };
    const json = (fields: CsvField[], column: string) => {
      const text = value(fields, column);
      return text === null || text === undefined ? null : JSON.parse(text);
    };
    const rows: SealableRow[] = parsed.map((fields) => ({
      actor_email: value(fields, 'actor.email'),
      ip_address: value(fields, 'ipAddress'),
      user_agent: value(fields, 'userAgent'),
      location: json(fields, 'location'),
      changes: json(fields, 'changes'),
    }));
    const opened = await openTexts(this.knex, this.sealed, rows);
    sealedAt.forEach((index, at) => {
      const fields = parsed[at];
      const set = (column: string, text: string) => {
        const position = columns.get(column);
        if (position !== undefined) fields[position].raw = text;
      };
      for (const column of CSV_TEXT_COLUMNS) {
        const text = value(fields, column);
        if (isSealed(text)) set(column, csvText((opened.get(text) as string | null) ?? null));
      }
      for (const column of CSV_JSON_COLUMNS) {
        const text = value(fields, column);
        if (!text?.includes(SEALED_PREFIX)) continue;
        const json = withOpened(text, opened);
        set(column, csvText(json === 'null' ? null : json));
      }
      const redacted = withErased(rows[at].erased, json(fields, 'redactedFields') as string[]);
      if (redacted) set('redactedFields', csvText(jsonbList(redacted)));
      records[index] = `${fields.map((field) => field.raw).join(',')}${records[index].endsWith('\r') ? '\r' : ''}`;
    });
    return records.join('\n');
  }
}

/** The records of complete CSV text (the last, after the final line break, is empty). */
function splitCsvRecords(text: string): string[] {
  const records: string[] = [];
  let quoted = false;
  let from = 0;
  for (let at = 0; at < text.length; at++) {
    const char = text.charCodeAt(at);
    if (char === QUOTE) quoted = !quoted;
    else if (char === NEWLINE && !quoted) {
      records.push(text.slice(from, at));
      from = at + 1;
    }
  }
  records.push(text.slice(from));
  return records;
}

/** The stage that opens an export's sealed values (a masked export's masked ones are null already). */
export function openSealedRecords(knex: Knex, sealed: SealedValues, csv: boolean): Transform {
  return csv ? new OpenSealedCsv(knex, sealed) : new OpenSealedJsonLines(knex, sealed);
}
