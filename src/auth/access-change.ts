import type { Knex } from '@mikro-orm/postgresql';
import { encodeCommitNotice } from '../live/commit-notice';

/** The PostgreSQL channel on which a change of a tenant's roles or personal fields reaches every replica. */
export const ACCESS_CHANNEL = 'audit_access_changed';

/** Announces the change inside the transaction that makes it: delivered at its commit, or never. */
export async function announceAccessChange(trx: Knex.Transaction, tenantId: string): Promise<void> {
  await trx.raw('SELECT pg_notify(?, ?)', [ACCESS_CHANNEL, encodeCommitNotice(new Map([[tenantId, '0']]))]);
}
