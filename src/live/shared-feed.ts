import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Knex } from '@mikro-orm/postgresql';
import type { AuditEventRow } from '../events/event-row';
import type { Logger } from '../observability/logger';
import { CommitTimes } from './commit-times';
import type { FeedMember } from './feed-member';
import { readNewEvents } from './read-new-events';
import { renderEvent, type FeedShape, type RenderedEvent } from './render-event';

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
  private reading = false;
  private readAgain = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly knex: Knex,
    readonly shape: FeedShape,
    public cursor: bigint,
    private readonly pageSize: number,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.live.size + this.replaying;
  }

  /** A batch up to `head` was committed for the tenant (head 0: unknown, read anyway). */
  committed(head: bigint, at: number): void {
    if (head > 0n && head <= this.cursor) return;
    if (head > this.knownHead) this.knownHead = head;
    this.commitTimes.add(head, at);
    void this.read();
  }

  render(row: AuditEventRow): Promise<RenderedEvent> {
    return renderEvent(this.shape, row, this.commitTimes.of(BigInt(row.sequence)));
  }

  readPage(after: bigint, upTo?: bigint): Promise<AuditEventRow[]> {
    const { tenantId, filter } = this.shape;
    return readNewEvents(this.knex, { tenantId, filter, after, upTo, limit: this.pageSize });
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  /** One read at a time; notices arriving meanwhile make it read once more. */
  private async read(): Promise<void> {
    if (this.reading) return void (this.readAgain = true);
    this.reading = true;
    try {
      do {
        this.readAgain = false;
        const target = this.knownHead;
        const rows = await this.readPage(this.cursor);
        for (const row of rows) {
          const event = await this.render(row);
          for (const member of this.live) member.deliver(event);
          if (event.sequence > this.cursor) this.cursor = event.sequence;
        }
        if (rows.length === this.pageSize) {
          this.readAgain = true;
          await nextTurn(); // let the sockets drain between pages
        } else if (target > this.cursor) this.cursor = target;
        for (const member of this.live) member.skipTo(this.cursor);
        this.commitTimes.forgetUpTo(this.cursor);
      } while (this.readAgain && this.size > 0);
    } catch (err) {
      this.log.error({ err, tenant: this.shape.tenantId }, 'live feed could not read new events; retrying');
      this.retryTimer ??= setTimeout(() => ((this.retryTimer = null), void this.read()), 1000);
    } finally {
      this.reading = false;
    }
  }
}
