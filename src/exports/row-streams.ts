import { Transform, type TransformCallback } from 'node:stream';

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const CRLF = Buffer.from('\r\n');

export interface RowCounterOptions {
  /** At most this many rows a second (0: no limit). */
  maxRowsPerSecond?: number;
  /** CSV: end each record with CRLF, as RFC 4180 says (PostgreSQL's COPY ends them with LF). */
  crlf?: boolean;
}

/**
 * Counts the rows passing through: lines of NDJSON, or CSV records (a newline inside a quoted
 * value does not end one). At most `maxRowsPerSecond` rows a second when set: a late chunk is held
 * back, and backpressure slows PostgreSQL's COPY. Each chunk it passes on ends with a whole record
 * (the stages after it, see sealed-rows.ts, need not find record ends again).
 */
export class RowCounter extends Transform {
  rows = 0;
  private inQuotes = false;
  private readonly startedAt = Date.now();
  /** The bytes after the last record end seen, passed on with the record they begin. */
  private partial: Buffer | null = null;

  constructor(
    private readonly quoted: boolean,
    private readonly options: RowCounterOptions = {},
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const ends: number[] = [];
    if (this.quoted) ends.push(...this.recordEnds(chunk));
    else for (let at = chunk.indexOf(NEWLINE); at >= 0; at = chunk.indexOf(NEWLINE, at + 1)) ends.push(at);
    this.rows += ends.length;
    if (ends.length === 0) {
      this.partial = this.partial ? Buffer.concat([this.partial, chunk]) : chunk;
      return done();
    }
    const whole = chunk.subarray(0, ends.at(-1)! + 1);
    let out = this.options.crlf ? withCrlf(whole, ends) : whole;
    if (this.partial) out = Buffer.concat([this.partial, out]);
    this.partial = ends.at(-1)! + 1 < chunk.length ? Buffer.from(chunk.subarray(ends.at(-1)! + 1)) : null;
    const perSecond = this.options.maxRowsPerSecond ?? 0;
    const dueAtMs = perSecond > 0 ? this.startedAt + (this.rows / perSecond) * 1000 : 0;
    const waitMs = dueAtMs - Date.now();
    if (waitMs > 0) setTimeout(() => done(null, out), waitMs);
    else done(null, out);
  }

  /** The positions of the newlines in `chunk` that end a record (outside quotes). */
  private recordEnds(chunk: Buffer): number[] {
    const ends: number[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.inQuotes) {
        const close = chunk.indexOf(QUOTE, at);
        if (close < 0) break;
        this.inQuotes = false;
        at = close + 1;
        continue;
      }
      const quote = chunk.indexOf(QUOTE, at);
      const newline = chunk.indexOf(NEWLINE, at);
      if (newline >= 0 && (quote < 0 || newline < quote)) {
        ends.push(newline);
        at = newline + 1;
      } else if (quote >= 0) {
        this.inQuotes = true;
        at = quote + 1;
      } else break;
    }
    return ends;
  }

  override _flush(done: TransformCallback): void {
    done(null, this.partial ?? undefined);
  }
}

/** `chunk` with a CR before each of the newlines at `ends` (none has one: COPY writes LF). */
function withCrlf(chunk: Buffer, ends: number[]): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (const end of ends) {
    parts.push(chunk.subarray(from, end), CRLF);
    from = end + 1;
  }
  parts.push(chunk.subarray(from));
  return Buffer.concat(parts, chunk.length + ends.length);
}

/** One JSON value per line in, one JSON array out: `[` first, `,` between values, `]` last. */
export class JsonArray extends Transform {
  private opened = false;
  private separatorOwed = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const parts: Buffer[] = [];
    if (!this.opened) {
      parts.push(Buffer.from('['));
      this.opened = true;
    }
    if (chunk.length === 0) return done();
    if (this.separatorOwed) parts.push(Buffer.from(',\n'));
    const endsLine = chunk[chunk.length - 1] === NEWLINE;
    const body = endsLine ? chunk.subarray(0, -1) : chunk;
    this.separatorOwed = endsLine;
    let from = 0;
    for (let at = body.indexOf(NEWLINE); at >= 0; at = body.indexOf(NEWLINE, at + 1)) {
      parts.push(body.subarray(from, at), Buffer.from(',\n'));
      from = at + 1;
    }
    parts.push(body.subarray(from));
    done(null, Buffer.concat(parts));
  }

  override _flush(done: TransformCallback): void {
    done(null, this.opened ? ']\n' : '[]\n');
  }
}
