import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger';
import { decodeCommitNotice, encodeCommitNotice, LIVE_CHANNEL } from './commit-notice';
import type { FanoutListener, FanoutTransport } from './fanout-transport';

/**
 * Redis pub/sub instead of NOTIFY: the notice is published after the commit, so a crash in
 * between loses it; the next notice, or a resync, makes every feed catch up anyway.
 */
export class RedisFanout implements FanoutTransport {
  readonly name = 'redis';
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  /** `scope` keeps apart the databases that share one Redis (one per test file, say). */
  constructor(
    url: string,
    scope: string,
    private readonly log: Logger,
  ) {
    this.channel = `${LIVE_CHANNEL}:${scope}`;
    const options = {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      retryStrategy: (times: number) => Math.min(100 * 2 ** times, 5000),
    };
    this.publisher = new Redis(url, options);
    this.subscriber = new Redis(url, options);
    for (const client of [this.publisher, this.subscriber])
      client.on('error', (err) => this.log.warn({ err }, 'live fan-out: Redis error'));
  }

  /** @throws when Redis cannot be reached at start. */
  async start(listener: FanoutListener): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      const notice = channel === this.channel ? decodeCommitNotice(message) : null;
      if (notice) listener.onNotice(notice);
    });
    // ioredis re-subscribes by itself after a reconnect; notices sent meanwhile are lost, so resync.
    this.subscriber.on('ready', () => listener.onResync());
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
    await this.subscriber.subscribe(this.channel);
    listener.onResync();
  }

  published(heads: ReadonlyMap<string, string>): void {
    this.publisher.publish(this.channel, encodeCommitNotice(heads)).catch((err) => {
      this.log.warn({ err }, 'live fan-out: a commit notice was not published; feeds catch up at the next one');
    });
  }

  async stop(): Promise<void> {
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }
}
