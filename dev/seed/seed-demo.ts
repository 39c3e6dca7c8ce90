import { defaultStart, generateDemoHistory, markerIdOf, startFromMarker, DEMO_TENANT } from './demo-history';
import type { SeedEvent } from './history';

/** Where the events go: the write path directly (scripts/seed.ts) or the GraphQL mutation (tests). */
export interface SeedTarget {
  /** When an event of the tenant with this id is stored: its occurredAt; else null. */
  occurredAtOf(tenant: string, id: string): Promise<Date | null>;
  /** Stores one batch (1 to 1000 events) whole. */
  write(events: SeedEvent[]): Promise<{ recorded: number; duplicates: number }>;
}

/** The tenant holds events with the demo history's ids but other content (an older generator wrote them). */
export class SeedConflictError extends Error {
  override name = 'SeedConflictError';
}

export interface SeedOptions {
  tenant?: string;
  /** Where a new history ends (at the midnight before); default now. */
  now?: Date;
  batchSize?: number;
  log?: (line: string) => void;
}

export interface SeedReport {
  tenant: string;
  start: Date;
  end: Date;
  events: number;
  recorded: number;
  duplicates: number;
  /** False when the tenant had been seeded before, so that the earlier history's start was kept. */
  fresh: boolean;
}

/**
 * Loads the demo history into `target`, oldest first. A tenant seeded before keeps its history's start (read
 * back from its marker event), so a second run regenerates the same events and stores none of them twice.
 */
export async function seedDemoHistory(target: SeedTarget, options: SeedOptions = {}): Promise<SeedReport> {
  const { tenant = DEMO_TENANT, now = new Date(), batchSize = 500, log = () => undefined } = options;
  const markerAt = await target.occurredAtOf(tenant, markerIdOf(tenant));
  const start = markerAt ? startFromMarker(markerAt) : defaultStart(now);
  const history = generateDemoHistory(tenant, start);
  const span = `${start.toISOString().slice(0, 10)} to ${history.end.toISOString().slice(0, 10)}`;
  log(
    markerAt
      ? `tenant "${tenant}" was seeded before: sending its ${history.events.length} events (${span}) again`
      : `seeding tenant "${tenant}": ${history.events.length} events from ${span}`,
  );
  let recorded = 0;
  let duplicates = 0;
  for (let offset = 0; offset < history.events.length; offset += batchSize) {
    const result = await target.write(history.events.slice(offset, offset + batchSize)).catch((error: Error) => {
      if (!/already recorded with other content/.test(error.message)) throw error;
      throw new SeedConflictError(
        `tenant "${tenant}" holds a demo history written by another version of this seed (${error.message}). ` +
          `Seed another tenant (npm run seed -- --tenant demo2), or start from an empty database.`,
      );
    });
    recorded += result.recorded;
    duplicates += result.duplicates;
  }
  log(`recorded ${recorded} new events, ${duplicates} already stored`);
  const { end, events } = history;
  return { tenant, start, end, events: events.length, recorded, duplicates, fresh: !markerAt };
}
