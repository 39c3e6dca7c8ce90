import type { FeedShape } from './render-event';
import type { SharedFeed } from './shared-feed';

/**
 * This instance's shared feeds, by tenant and feed key. A feed is opened for its first
 * subscriber (once, however many subscribe at the same moment) and dropped with its last.
 */
export class FeedRegistry {
  private readonly feeds = new Map<string, Map<string, SharedFeed>>();
  private readonly opening = new Map<string, Promise<SharedFeed>>();

  constructor(private readonly open: (shape: FeedShape) => Promise<SharedFeed>) {}

  ofTenant(tenantId: string): Iterable<SharedFeed> {
    return this.feeds.get(tenantId)?.values() ?? [];
  }

  *all(): Iterable<SharedFeed> {
    for (const feeds of this.feeds.values()) yield* feeds.values();
  }

  /** The feed, reserved for one more member before any other code can drop it. */
  async reserve(shape: FeedShape): Promise<SharedFeed> {
    let feed = this.feeds.get(shape.tenantId)?.get(shape.feedKey);
    if (!feed) {
      const openingKey = JSON.stringify([shape.tenantId, shape.feedKey]);
      let opening = this.opening.get(openingKey);
      if (!opening) {
        opening = this.openAndRegister(shape).finally(() => this.opening.delete(openingKey));
        this.opening.set(openingKey, opening);
      }
      feed = await opening;
    }
    feed.replaying += 1;
    return feed;
  }

  dropIfEmpty(feed: SharedFeed): void {
    if (feed.size > 0) return;
    feed.stop();
    const { tenantId, feedKey } = feed.shape;
    const tenantFeeds = this.feeds.get(tenantId);
    if (tenantFeeds?.get(feedKey) === feed) tenantFeeds.delete(feedKey);
    if (tenantFeeds?.size === 0) this.feeds.delete(tenantId);
  }

  private async openAndRegister(shape: FeedShape): Promise<SharedFeed> {
    const feed = await this.open(shape);
    const tenantFeeds = this.feeds.get(shape.tenantId) ?? new Map<string, SharedFeed>();
    tenantFeeds.set(shape.feedKey, feed);
    this.feeds.set(shape.tenantId, tenantFeeds);
    // A notice may have come between reading the feed's starting head and registering it.
    feed.committed(0n, Date.now());
    return feed;
  }
}
