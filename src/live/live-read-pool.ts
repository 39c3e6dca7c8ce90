import type { Knex } from '@mikro-orm/postgresql';
import { openPoolLike } from '../db/read-pool';

/** Lets operators tell the live feed's reads apart in pg_stat_activity. */
export const READER_APPLICATION_NAME = 'audit-subgraph-live-reader';

/**
 * The live feed's own connections, for reading new events, with the shared pool's settings (and
 * so its type parsing) but a pool of `size`. Writers hold the shared pool's connections while
 * they wait for their tenant's head lock: measured under a steady load of single-event writes,
 * that pool was full with up to eight acquisitions waiting, and each feed read waited about
 * 30 ms for a connection to run a query of a millisecond. With its own, delivery never queues
 * behind writes. Destroy it when the feed stops.
 */
export function openLiveReadPool(shared: Knex, size: number): Knex {
  return openPoolLike(shared, { size, applicationName: READER_APPLICATION_NAME });
}
