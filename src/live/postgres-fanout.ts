import { Client } from 'pg';
import type { Logger } from '../observability/logger';
import { decodeCommitNotice, encodeCommitNotice, LIVE_CHANNEL } from './commit-notice';
import type { FanoutListener, FanoutTransport } from './fanout-transport';

/** Lets operators (and tests) find the listening connection in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'audit-subgraph-live-listener';

const RETRY_MS = { first: 100, max: 5000 };

/** LISTEN on one dedicated connection per instance; writers NOTIFY inside their transaction. */
export class PostgresFanout implements FanoutTransport {
  readonly name = 'postgres';
  get announcer() {
    return { channel: this.channel, payload: (heads: ReadonlyMap<string, string>) => encodeCommitNotice(heads) };
  }
  /** The connection being opened or in use; errors of older ones are ignored. */
  private current: Client | null = null;
  private listener: FanoutListener | null = null;
  private retryMs = RETRY_MS.first;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    /** Alerts (src/alerts) fan out their own notices, "tenant + last alert serial", on another channel. */
    private readonly channel: string = LIVE_CHANNEL,
    /** Streams (src/streams) listen to the live channel too, under a name of their own. */
    private readonly applicationName = channel === LIVE_CHANNEL
      ? LISTENER_APPLICATION_NAME
      : `${LISTENER_APPLICATION_NAME}:${channel}`,
  ) {}

  /** Resolves after the first attempt; a failed one is retried in the background. */
  async start(listener: FanoutListener): Promise<void> {
    this.listener = listener;
    await this.connect();
  }

  published(): void {}

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.current;
    this.current = null;
    client?.removeAllListeners('end');
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: this.applicationName });
    this.current = client;
    client.on('notification', (message) => {
      const notice = decodeCommitNotice(message.payload);
      if (notice) this.listener?.onNotice(notice);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('the listening connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      if (this.current !== client) return;
      this.retryMs = RETRY_MS.first;
      this.log.info('live fan-out listening on PostgreSQL');
      // Notices sent while we were away are lost: every feed re-reads from its cursor.
      this.listener?.onResync();
    } catch (err) {
      this.lost(client, err);
    }
  }

  private lost(client: Client, err: unknown): void {
    if (this.current !== client) return;
    this.current = null;
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    if (this.stopped || this.retryTimer) return;
    this.log.warn({ err, retryMs: this.retryMs }, 'live fan-out lost its PostgreSQL connection; reconnecting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MS.max);
  }
}
