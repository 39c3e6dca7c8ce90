import type { Knex } from '@mikro-orm/postgresql';
import type { ClientBase } from 'pg';

/**
 * The `pg` connection a knex transaction runs on. The write path sends its statements to it
 * directly: knex's work per query (bindings, events, its query queue) is skipped, the transaction
 * (or savepoint) stays knex's to commit or roll back.
 */
export async function connectionOf(trx: Knex.Transaction): Promise<ClientBase> {
  return (await trx.client.acquireConnection()) as ClientBase;
}
