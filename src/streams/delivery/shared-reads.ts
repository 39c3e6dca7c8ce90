import type { Knex } from '@mikro-orm/postgresql';
import type { SealedValues } from '../../core/sealed-values';
import { toAuditEvent, type AuditEventRow } from '../../events/event-row';
import { newEventsQuery, readNewEvents, tenantHead } from '../../live/read-new-events';
import { parseSearchArgument } from '../../search/parse';
import { searchConditions } from '../../search/search-sql';
import { allOf, anyOf, type SqlCondition } from '../../search/sql-condition';
import { firstAfter, StreamEvent } from './stream-event';

/** What a stream asks for: its events after its acknowledged sequence. */
export interface PageRequest {
  streamId: string;
  tenantId: string;
  /** The events after this sequence... */
  after: bigint;
  /** ...that the stream's `match` selects (null: every event)... */
  match: string | null;
  /** ...at most this many. */
  limit: number;
}

export interface StreamPage {
  /** The matching events after the request's sequence, in sequence order. */
  events: StreamEvent[];
  /** Every event of the tenant up to this sequence was looked at: those not in `events` do not match. */
  through: bigint;
  /** There may be more after `through` already. */
  more: boolean;
}

/** How a read was made: once for the streams of a tenant, or by one stream on its own. */
export type ReadKind = 'shared' | 'own';

export interface SharedReadsDeps {
  /** Where the tenant's head is read. */
  knex: Knex;
  /** Where the events are read (the read pool). */
  reads: Knex;
  sealed: SealedValues;
  /** The most events kept per tenant (STREAM_READ_BUFFER_EVENTS). */
  bufferEvents: number;
  onRead(kind: ReadKind): void;
}

/**
 * The tenant's events (from, to] that meet at least one of `matches` (every event when one of them is null),
 * decoded, in sequence order. `head`: the tenant's head when it was last read further.
 */
interface Window {
  from: bigint;
  to: bigint;
  head: bigint;
  events: StreamEvent[];
  /** Each match the window was read for, with the index of its flag in `StreamEvent.meets` (-1 for null). */
  matches: Map<string | null, number>;
  /** The number of the last read that moved it forward (see `TenantReads.readsStarted`). */
  lastRead: number;
}

const NOTHING_YET = 0;

/**
 * The reads of one tenant's new events for the streams of that tenant this replica delivers. The streams near
 * one another read the events once, through a window of at most `bufferEvents` events that each serves from its
 * own place, filtered by its own `match`: PostgreSQL computes each match's flag in the same statement, and keeps
 * the rows that meet one. The window starts where the lowest of them is and moves on as they move, so a stream
 * that stands still (failing, or a slow sink) keeps it only up to the bound: then it falls behind the window and
 * reads on its own, filtered by its match, until it is back within it.
 */
class TenantReads {
  private window: Window | null = null;
  /** Each stream's place, as of its last request, and its match. */
  readonly members = new Map<string, { after: bigint; match: string | null }>();
  private reading: Promise<void> | null = null;
  private readsStarted = NOTHING_YET;
  /** Each match's condition, compiled once: null when it no longer compiles (its stream reads on its own). */
  private readonly conditions = new Map<string, SqlCondition | null>();

  constructor(
    private readonly tenantId: string,
    private readonly deps: SharedReadsDeps,
  ) {}

  async page(request: PageRequest): Promise<StreamPage> {
    const { streamId, after, match } = request;
    this.members.set(streamId, { after, match });
    if (match !== null && this.conditionOf(match) === null) return this.ownRead(request);
    // Only a read begun after this request can say that nothing came after `after`.
    const asked = this.readsStarted + 1;
    for (;;) {
      const window = this.window;
      const fits = window !== null && window.matches.has(match);
      if (fits && after >= window.from && after < window.to) return this.serve(window, request);
      if (fits && after < window.from) return this.ownRead(request);
      if (this.reading) {
        await this.reading.catch(() => undefined);
        continue;
      }
      if (fits && after >= window.to) {
        if (window.lastRead >= asked && window.head <= after) return { events: [], through: after, more: false };
        if (after === window.to || this.sharedWith(window, streamId, after)) {
          await this.readFurther(window, request.limit);
          continue;
        }
      }
      this.window = this.startWindow(after);
    }
  }

  leave(streamId: string): void {
    this.members.delete(streamId);
  }

  /** Whether reading the window on to `after` also serves another stream: one within it, not too far behind. */
  private sharedWith(window: Window, streamId: string, after: bigint): boolean {
    if (after - window.to > BigInt(this.deps.bufferEvents)) return false;
    for (const [id, member] of this.members)
      if (id !== streamId && member.after >= window.from && member.after <= window.to) return true;
    return false;
  }

  /**
   * An empty window for the streams' matches now, from the lowest place among the streams near `after`: the
   * others read on their own until they are within it.
   */
  private startWindow(after: bigint): Window {
    const near = after - BigInt(this.deps.bufferEvents);
    let from = after;
    const matches = new Map<string | null, number>();
    let flags = 0;
    for (const member of this.members.values()) {
      if (member.after >= near && member.after < from) from = member.after;
      if (matches.has(member.match)) continue;
      if (member.match === null) matches.set(null, -1);
      else if (this.conditionOf(member.match) !== null) matches.set(member.match, flags++);
    }
    return { from, to: from, head: from, events: [], matches, lastRead: NOTHING_YET };
  }

  private serve(window: Window, { after, match, limit }: PageRequest): StreamPage {
    const flag = window.matches.get(match)!;
    const events: StreamEvent[] = [];
    for (let i = firstAfter(window.events, after); i < window.events.length && events.length < limit; i++) {
      const event = window.events[i];
      if (flag < 0 || event.meets[flag]) events.push(event);
    }
    const full = events.length === limit;
    return {
      events,
      through: full ? events[events.length - 1].sequence : window.to,
      more: full || window.to < window.head,
    };
  }

  /** Reads the window on from its end up to the tenant's head, at most `limit` events. */
  private async readFurther(window: Window, limit: number): Promise<void> {
    const serial = ++this.readsStarted;
    const read = (async () => {
      const head = await tenantHead(this.deps.knex, this.tenantId);
      if (head > window.to) {
        const readLimit = Math.min(limit, this.deps.bufferEvents);
        const events = await this.readShared(window, head, readLimit);
        window.to = events.length === readLimit ? events[events.length - 1].sequence : head;
        window.events.push(...events);
        this.trim(window);
      }
      window.head = head;
      window.lastRead = serial;
    })();
    this.reading = read;
    try {
      await read;
    } finally {
      this.reading = null;
    }
  }

  private async readShared(window: Window, head: bigint, limit: number): Promise<StreamEvent[]> {
    const { reads, sealed } = this.deps;
    const flags: SqlCondition[] = [];
    for (const [match, index] of window.matches) if (match !== null) flags[index] = this.conditionOf(match)!;
    const query = newEventsQuery(reads, sealed, {
      tenantId: this.tenantId,
      criteria: {},
      after: window.to,
      upTo: head,
      limit,
    });
    flags.forEach((flag, index) => query.select(reads.raw(`${flag.sql} AS matched_${index}`, flag.bindings)));
    if (!window.matches.has(null)) {
      const any = anyOf(flags);
      query.whereRaw(any.sql, any.bindings);
    }
    this.deps.onRead('shared');
    const rows = (await sealed.open(reads, (await query) as AuditEventRow[])) as Array<
      AuditEventRow & Record<string, unknown>
    >;
    return rows.map(
      (row) =>
        new StreamEvent(
          toAuditEvent(row),
          flags.map((_, index) => row[`matched_${index}`] === true),
        ),
    );
  }

  /** Drops what every stream within the window has passed, and what is beyond the bound. */
  private trim(window: Window): void {
    let from = window.to;
    for (const member of this.members.values())
      if (member.after >= window.from && member.after < from) from = member.after;
    const excess = window.events.length - this.deps.bufferEvents;
    if (excess > 0 && window.events[excess - 1].sequence > from) from = window.events[excess - 1].sequence;
    window.events.splice(0, firstAfter(window.events, from));
    window.from = from;
  }

  /** The stream's page read on its own, filtered by its match in SQL. */
  private async ownRead({ after, match, limit }: PageRequest): Promise<StreamPage> {
    const head = await tenantHead(this.deps.knex, this.tenantId);
    if (head <= after) return { events: [], through: after, more: false };
    this.deps.onRead('own');
    const rows = await readNewEvents(this.deps.reads, this.deps.sealed, {
      tenantId: this.tenantId,
      criteria: { search: match },
      after,
      upTo: head,
      limit,
    });
    const events = rows.map((row) => new StreamEvent(toAuditEvent(row), []));
    const full = rows.length === limit;
    return { events, through: full ? events[events.length - 1].sequence : head, more: full };
  }

  private conditionOf(match: string): SqlCondition | null {
    if (!this.conditions.has(match)) {
      let condition: SqlCondition | null;
      try {
        condition = allOf(
          searchConditions(parseSearchArgument(match, 'match'), { alias: 'e', blindIndex: this.deps.sealed }),
        );
      } catch {
        condition = null;
      }
      this.conditions.set(match, condition);
    }
    return this.conditions.get(match)!;
  }
}

/** The shared reads of every tenant whose streams this replica delivers. */
export class SharedStreamReads {
  private readonly tenants = new Map<string, TenantReads>();

  constructor(private readonly deps: SharedReadsDeps) {}

  page(request: PageRequest): Promise<StreamPage> {
    let tenant = this.tenants.get(request.tenantId);
    if (!tenant) {
      tenant = new TenantReads(request.tenantId, this.deps);
      this.tenants.set(request.tenantId, tenant);
    }
    return tenant.page(request);
  }

  /** The stream is no longer delivered here: it holds no events back, and its tenant's are let go with the last. */
  leave(tenantId: string, streamId: string): void {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return;
    tenant.leave(streamId);
    if (tenant.members.size === 0) this.tenants.delete(tenantId);
  }
}
