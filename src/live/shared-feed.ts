import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Knex } from '@mikro-orm/postgresql';
import type { SealedValues } from '../core/sealed-values';
import type { AuditEventRow } from '../events/event-row';
import type { Logger } from '../observability/logger';
import { CoalescedTask } from './coalesced-task';
import { CommitTimes } from './commit-times';
import type { FeedMember } from './feed-member';
import { readNewEvents } from './read-new-events';
import { renderEvent, type FeedShape, type RenderedEvent } from './render-event';

/**
 * Frames written before the feed lets the event loop turn: a page of a burst for a thousand
 * subscribers is half a million frames, which would hold up everything else meanwhile.
 */
const FRAMES_PER_TURN = 20_000;

/**
 * The subscribers of one tenant with the same operation and variables. One query per wake-up
 * and one execution and serialisation per event, whatever the number of subscribers.
 * `cursor`: every matching event up to it has been given to the live members.
 */
export class SharedFeed {
  readonly live = new Set<FeedMember>();
  replaying = 0;
  private knownHead = 0n;
  private readonly commitTimes = new CommitTimes();
  private readonly reader: CoalescedTask;

  constructor(
    private readonly knex: Knex,
    private readonly sealed: SealedValues,
    readonly shape: FeedShape,
    public cursor: bigint,
    private readonly pageSize: number,
    log: Logger,
  ) {
    const onError = (err: unknown) =>
      log.error({ err, tenant: shape.tenantId }, 'live feed could not read new events; retrying');
    this.reader = new CoalescedTask(() => this.readOnce(), onError);
  }

  get size(): number {
    return this.live.size + this.replaying;
  }

  /** A batch up to `head` was committed for the tenant (head 0: unknown, read anyway). */
  committed(head: bigint, at: number): void {
    if (head > 0n && head <= this.cursor) return;
    if (head > this.knownHead) this.knownHead = head;
    this.commitTimes.add(head, at);
    this.reader.run();
  }

  render(row: AuditEventRow): Promise<RenderedEvent> {
    return renderEvent(this.shape, row, this.commitTimes.of(BigInt(row.sequence)));
  }

  readPage(after: bigint, upTo?: bigint): Promise<AuditEventRow[]> {
    const { tenantId, criteria } = this.shape;
    return readNewEvents(this.knex, this.sealed, { tenantId, criteria, after, upTo, limit: this.pageSize });
  }

  stop(): void {
    this.reader.stop();
  }

  /** Gives the live members the next page after the cursor; true when there may be more. */
  private async readOnce(): Promise<boolean> {
    if (this.size === 0) return false;
    const target = this.knownHead;
    const rows = await this.readPage(this.cursor);
    let framesThisTurn = 0;
    for (const row of rows) {
      const event = await this.render(row);
      for (const member of this.live) member.deliver(event);
      if (event.sequence > this.cursor) this.cursor = event.sequence;
      framesThisTurn += this.live.size;
      if (framesThisTurn >= FRAMES_PER_TURN) {
        framesThisTurn = 0;
        await nextTurn();
      }
    }
    const full = rows.length === this.pageSize;
    // A full page may stop short of the head; otherwise nothing up to it was left to match.
    if (!full && target > this.cursor) this.cursor = target;
    for (const member of this.live) member.skipTo(this.cursor);
    this.commitTimes.forgetUpTo(this.cursor);
    if (full) await nextTurn(); // let the sockets drain between pages
    return full;
  }
}
