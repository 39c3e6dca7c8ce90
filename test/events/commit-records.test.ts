import { forgetStaleCommitRecords } from '../../src/events/commit-records';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { serviceToken } from '../support/tokens';

const update = (i: number) => ({ actor: { id: 'rep' }, action: 'UPDATE', entityType: 'Lead', entityId: `l-${i}` });

describe('commit records no evaluator takes (every replica with ALERT_DETECTORS=off)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { ALERT_DETECTORS: 'off' } });
  });
  afterAll(() => server.stop());

  const recordsOf = async (tenantId: string) =>
    (
      await server.app.services.knex.raw(
        'SELECT from_sequence::int, to_sequence::int FROM audit_commit_actions WHERE tenant_id = ? ORDER BY to_sequence',
        [tenantId],
      )
    ).rows;

  it('are kept, then deleted once more than the bound behind their tenant head, each tenant by its own head', async () => {
    const [busy, quiet] = ['commit-records-busy', 'commit-records-quiet'];
    for (let batch = 0; batch < 4; batch++)
      await recordEvents(server, await serviceToken(busy), [update(2 * batch), update(2 * batch + 1)]);
    await recordEvents(server, await serviceToken(quiet), [update(0)]);
    expect(await recordsOf(busy)).toEqual([
      { from_sequence: 1, to_sequence: 2 },
      { from_sequence: 3, to_sequence: 4 },
      { from_sequence: 5, to_sequence: 6 },
      { from_sequence: 7, to_sequence: 8 },
    ]);

    // Head 8: batches ending at 8 - 4 = 4 or before go; the quiet tenant's head is 1, its record stays.
    expect(await forgetStaleCommitRecords(server.app.services.knex, 4)).toBe(2);
    expect(await recordsOf(busy)).toEqual([
      { from_sequence: 5, to_sequence: 6 },
      { from_sequence: 7, to_sequence: 8 },
    ]);
    expect(await recordsOf(quiet)).toEqual([{ from_sequence: 1, to_sequence: 1 }]);
  });
});
