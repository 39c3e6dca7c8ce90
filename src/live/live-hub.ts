import type { Knex } from '@mikro-orm/postgresql';
import type { SealedValues } from '../core/sealed-values';
import { BadUserInputError } from '../errors';
import type { Logger } from '../observability/logger';
import type { CommitNotice } from './commit-notice';
import type { FanoutListener } from './fanout-transport';
import { FeedMember } from './feed-member';
import { FeedRegistry } from './feed-registry';
import type { LiveMetrics } from './live-metrics';
import type { LiveOptions } from './live-options';
import type { MemberOutlet } from './member-outlet';
import { newEventsQuery, tenantHead } from './read-new-events';
import type { FeedShape } from './render-event';
import { replayThenJoin } from './replay-then-join';
import { SharedFeed } from './shared-feed';

export interface LiveRequest extends FeedShape {
  afterSequence?: bigint;
  /** The token's expiry, in milliseconds since the epoch. */
  expiresAtMs: number;
  /** The subscriber's socket and subscription id, where its frames are written. */
  outlet: MemberOutlet;
}

/** This instance's live feeds, by tenant; woken by the fan-out transport. */
export class LiveHub implements FanoutListener {
  private readonly registry = new FeedRegistry((shape) => this.openFeed(shape));

  constructor(
    private readonly knex: Knex,
    private readonly sealed: SealedValues,
    private readonly options: LiveOptions,
    private readonly metrics: LiveMetrics,
    private readonly log: Logger,
  ) {}

  onNotice({ heads, committedAt }: CommitNotice): void {
    if (heads === 'all') return this.onResync();
    for (const [tenant, head] of heads)
      for (const feed of this.registry.ofTenant(tenant)) feed.committed(head, committedAt);
  }

  onResync(): void {
    for (const feed of this.registry.all()) feed.committed(0n, Date.now());
  }

  /**
   * A new member: replayed after `afterSequence` (if behind its feed), then live. Its frames go
   * to `request.outlet`; graphql-ws iterates its `stream`.
   * @throws BadUserInputError for a malformed filter, or an `afterSequence` the tenant has not reached.
   */
  async subscribe(request: LiveRequest): Promise<FeedMember> {
    newEventsQuery(this.knex, this.sealed, {
      tenantId: request.tenantId,
      criteria: request.criteria,
      after: 0n,
      limit: 1,
    }).toSQL();
    if (request.afterSequence !== undefined) await this.checkReached(request.tenantId, request.afterSequence);
    const feed = await this.registry.reserve(request);
    const start = request.afterSequence ?? feed.cursor;
    const { bufferEvents, pageSize } = this.options;
    const leave = (member: FeedMember) => {
      feed.live.delete(member);
      this.registry.dropIfEmpty(feed);
    };
    const member = new FeedMember(start, bufferEvents, request.outlet, this.metrics, leave, request.expiresAtMs);
    void replayThenJoin(feed, member, pageSize, this.log).finally(() => {
      feed.replaying -= 1;
      this.registry.dropIfEmpty(feed);
    });
    return member;
  }

  /** A sequence beyond the head was never sent to anyone: the subscriber would wait for it in silence. */
  private async checkReached(tenantId: string, afterSequence: bigint): Promise<void> {
    const head = await tenantHead(this.knex, tenantId);
    if (afterSequence > head)
      throw new BadUserInputError(
        'afterSequence',
        `is beyond the last event recorded (sequence ${head}): give the sequence of the last event you received`,
      );
  }

  private async openFeed(shape: FeedShape): Promise<SharedFeed> {
    const head = await tenantHead(this.knex, shape.tenantId);
    return new SharedFeed(this.knex, this.sealed, shape, head, this.options.pageSize, this.log);
  }
}
