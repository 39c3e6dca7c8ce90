import { GraphQLError } from 'graphql';
import type { Logger } from '../observability/logger';
import type { FeedMember } from './feed-member';
import type { SharedFeed } from './shared-feed';

/**
 * Sends a new member what it missed up to the feed's cursor (from its `afterSequence`), then
 * makes it a live member of the feed, with no await in between: no gap and no duplicate even
 * while the feed moves on. Resolves once the member joined or ended; never rejects.
 */
export async function replayThenJoin(
  feed: SharedFeed,
  member: FeedMember,
  pageSize: number,
  log: Logger,
): Promise<void> {
  try {
    while (!member.ended && member.cursor < feed.cursor) {
      const upTo = feed.cursor;
      const rows = await feed.readPage(member.cursor, upTo);
      for (const row of rows) {
        const event = await feed.render(row);
        await member.whenRoom();
        member.deliver(event);
      }
      if (rows.length < pageSize) member.skipTo(upTo);
    }
    if (!member.ended) feed.live.add(member);
  } catch (err) {
    log.error({ err }, 'live feed replay failed');
    member.fail(new GraphQLError('The live feed failed: subscribe again with afterSequence.'), 'error');
  }
}
