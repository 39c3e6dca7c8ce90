import type { CommitAnnouncer } from '../core/commit-bus';
import type { CommitNotice } from './commit-notice';

/** What a transport tells the instance it runs in. */
export interface FanoutListener {
  onNotice(notice: CommitNotice): void;
  /**
   * The transport (re)connected: notices may have been lost meanwhile, so every feed
   * re-reads from its own cursor. Also called on the first connection.
   */
  onResync(): void;
}

/** Carries "a batch was committed" between replicas; the events themselves are read from the table. */
export interface FanoutTransport {
  readonly name: 'postgres' | 'redis';
  /** Set when the notice is sent inside the write transaction (PostgreSQL NOTIFY). */
  readonly announcer?: CommitAnnouncer;
  /** Starts listening; keeps reconnecting by itself afterwards. */
  start(listener: FanoutListener): Promise<void>;
  /** Called after a commit, for transports that cannot take part in the transaction. */
  published(heads: ReadonlyMap<string, string>): void;
  stop(): Promise<void>;
}
