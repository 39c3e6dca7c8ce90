/** How often a schedule exports: each run covers the period that just ended, in UTC. */
export enum ExportFrequency {
  DAILY = 'DAILY',
  WEEKLY = 'WEEKLY',
  MONTHLY = 'MONTHLY',
}

const DAY_MS = 24 * 3600 * 1000;

/** The start of the period that holds `instant` (a day; a week from Monday; a month). */
export function periodStart(frequency: ExportFrequency, instant: Date): Date {
  const day = new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate()));
  if (frequency === ExportFrequency.DAILY) return day;
  if (frequency === ExportFrequency.WEEKLY) return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
  return new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), 1));
}

/** The first run after `now`: the start of the next period. */
export function nextRunAfter(frequency: ExportFrequency, now: Date): Date {
  const start = periodStart(frequency, now);
  if (frequency === ExportFrequency.DAILY) return new Date(start.getTime() + DAY_MS);
  if (frequency === ExportFrequency.WEEKLY) return new Date(start.getTime() + 7 * DAY_MS);
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

/** The last complete period before `now`: what a run at `now` exports ([from, to], `to` inclusive). */
export function periodBefore(frequency: ExportFrequency, now: Date): { from: Date; to: Date } {
  const end = periodStart(frequency, now);
  return { from: periodStart(frequency, new Date(end.getTime() - 1)), to: new Date(end.getTime() - 1) };
}
