import { CommitBus, type CommittedBatch } from '../../src/core/commit-bus';
import { createLogger } from '../../src/observability/logger';

const batch: CommittedBatch = { heads: new Map([['acme', '7']]), actions: new Map([['acme', new Set(['UPDATE'])]]) };

describe('the commit bus', () => {
  it('tells every follower, whatever another one throws or rejects, and logs the failures', async () => {
    const logged: string[] = [];
    const bus = new CommitBus(createLogger('error', { write: (line: string) => logged.push(line) }));
    const told: string[] = [];
    bus.follow(() => {
      throw new Error('sync failure');
    });
    bus.follow(async () => {
      throw new Error('async failure');
    });
    bus.follow((committed) => void told.push(committed.heads.get('acme')!));
    expect(() => bus.committed(batch)).not.toThrow();
    expect(told).toEqual(['7']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged.map((line) => (JSON.parse(line) as { err: { message: string } }).err.message).sort()).toEqual([
      'async failure',
      'sync failure',
    ]);
  });

  it('stops telling a follower once it unsubscribes, and drops an announcer once removed', () => {
    const bus = new CommitBus(createLogger('silent'));
    const told: CommittedBatch[] = [];
    const unsubscribe = bus.follow((committed) => void told.push(committed));
    const removeAnnouncer = bus.announceWith({ channel: 'c', payload: () => 'p' });
    bus.committed(batch);
    unsubscribe();
    removeAnnouncer();
    bus.committed(batch);
    expect(told).toHaveLength(1);
    expect(bus.transactionAnnouncers).toEqual([]);
  });
});
