import type { Knex } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../errors';
import { toAuditEventNode, type AuditEventNode, type AuditEventRow } from '../events/event-row';
import { redactEvent, type Redaction } from '../events/redaction';
import type { AuditEventConnection } from './connection.type';
import { decodeCursor, encodeCursor, type Cursor } from './cursor';

export const MAX_PAGE_SIZE = 500;

export interface PageArgs {
  first: number;
  after?: string | null;
}

/** @throws BadUserInputError naming `first` or `after`. */
export function checkPageArgs({ first, after }: PageArgs): { first: number; cursor: Cursor | null } {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE)
    throw new BadUserInputError('first', `must be between 1 and ${MAX_PAGE_SIZE}`);
  return { first, cursor: after == null ? null : decodeCursor(after) };
}

/** Newest-first keyset order: rows strictly after `cursor`, then one more than a page to tell if another follows. */
export function keysetPage(qb: Knex.QueryBuilder, alias: string, first: number, cursor: Cursor | null) {
  if (cursor)
    qb.whereRaw(`(${alias}.occurred_at, ${alias}.id) < (timestamptz 'epoch' + ? * interval '1 microsecond', ?::uuid)`, [
      cursor.occurredUs,
      cursor.id,
    ]);
  return qb
    .orderBy([
      { column: `${alias}.occurred_at`, order: 'desc' },
      { column: `${alias}.id`, order: 'desc' },
    ])
    .limit(first + 1);
}

/**
 * An edge that encodes its cursor (a base64 string) only when read: the Router's history fetches
 * select `node` alone, and 2000 unused cursors a call were garbage. The schema's default resolver
 * (`simpleResolvers`) reads the getter like any property.
 */
class Edge {
  constructor(
    private readonly occurredUs: string,
    readonly node: AuditEventNode,
  ) {}

  get cursor(): string {
    return encodeCursor({ occurredUs: this.occurredUs, id: this.node.id });
  }

  redacted(redaction: Redaction): Edge {
    return new Edge(this.occurredUs, redactEvent(this.node, redaction));
  }
}

/** The connection as a caller under `redaction` sees it (itself when nothing is hidden). */
export function redactConnection(connection: AuditEventConnection, redaction: Redaction | null): AuditEventConnection {
  if (!redaction) return connection;
  const edges = connection.edges.map((edge) =>
    edge instanceof Edge ? edge.redacted(redaction) : { ...edge, node: redactEvent(edge.node, redaction) },
  );
  return { ...connection, edges };
}

/** Turns up to `first + 1` rows into a connection. */
export function toConnection(rows: AuditEventRow[], first: number): AuditEventConnection {
  const page = rows.length > first ? rows.slice(0, first) : rows;
  const edges = page.map((row) => new Edge(row.occurred_us, toAuditEventNode(row)));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
