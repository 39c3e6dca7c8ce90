import type { Knex } from '@mikro-orm/postgresql';

/**
 * Makes sure the monthly partitions of `audit_events` exist before rows land in them.
 * Known months are remembered, so the write path asks PostgreSQL only for a month it has not
 * seen (an import of old events, or the first write of a new month).
 */
export class PartitionKeeper {
  /** Months as year × 12 + month. */
  private readonly known = new Set<number>();

  constructor(private readonly knex: Knex) {}

  async ensureFor(instants: Iterable<Date>): Promise<void> {
    const missing = new Map<number, Date>();
    for (const at of instants) {
      const month = at.getUTCFullYear() * 12 + at.getUTCMonth();
      if (!this.known.has(month) && !missing.has(month)) missing.set(month, at);
    }
    for (const [month, at] of missing) {
      await this.knex.raw('SELECT audit_ensure_partition(?::timestamptz)', [at.toISOString()]);
      this.known.add(month);
    }
  }

  /** Creates this month's and the next `monthsAhead` months' partitions. */
  async prepareAhead(monthsAhead = 3, now = new Date()): Promise<void> {
    const months = Array.from({ length: monthsAhead + 1 }, (_, i) => {
      return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + i, 1));
    });
    await this.ensureFor(months);
  }
}
