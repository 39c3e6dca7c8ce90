import type { Logger } from '../observability/logger';

/** What a committed batch tells those who follow the log. */
export interface CommittedBatch {
  /** Per tenant, the last sequence this batch wrote. */
  heads: ReadonlyMap<string, string>;
  /** Per tenant, the actions of the events this batch stored. */
  actions: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Told after each commit that stored events. */
export type CommitFollower = (batch: CommittedBatch) => void | Promise<void>;

/**
 * Sends a notice from inside the write transaction, so that other replicas hear of a commit
 * exactly when it happens (PostgreSQL delivers a NOTIFY at commit, or never).
 */
export interface CommitAnnouncer {
  channel: string;
  payload(heads: ReadonlyMap<string, string>): string;
}

/**
 * The one way the write path tells the rest of the service about commits. Created by the app,
 * handed to the modules that publish (the event writer) or follow (live feed, alerts, streams).
 */
export class CommitBus {
  private readonly followers = new Set<CommitFollower>();
  private readonly announcers = new Set<CommitAnnouncer>();

  constructor(private readonly log: Logger) {}

  /** @returns the unsubscribe function. */
  follow(follower: CommitFollower): () => void {
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  /** @returns the function that removes the announcer. */
  announceWith(announcer: CommitAnnouncer): () => void {
    this.announcers.add(announcer);
    return () => this.announcers.delete(announcer);
  }

  /** The announcers to run inside each write transaction. */
  get transactionAnnouncers(): readonly CommitAnnouncer[] {
    return [...this.announcers];
  }

  /** Tells every follower; never throws: a failing follower is logged and the others are still told. */
  committed(batch: CommittedBatch): void {
    for (const follower of this.followers) {
      try {
        const outcome = follower(batch);
        if (outcome) outcome.catch((err: unknown) => this.followerFailed(err));
      } catch (err) {
        this.followerFailed(err);
      }
    }
  }

  private followerFailed(err: unknown): void {
    this.log.error({ err }, 'a commit follower failed; the write and the other followers are unaffected');
  }
}
