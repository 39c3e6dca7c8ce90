import { pastHour, pastWeekday } from '../alerts/alert-support';

const DAY_MS = 24 * 3600_000;
const isoWeekday = (date: Date) => ((date.getUTCDay() + 6) % 7) + 1;

/** Every quarter of an hour of two weeks, both edges of midnight included. */
const clocks = Array.from({ length: 14 * 24 * 4 + 2 }, (_, i) => Date.UTC(2026, 2, 1) + i * 15 * 60_000 - 1);

describe('the dates the alert tests build, whatever the clock says', () => {
  it.each([
    [1, 10, 1],
    [6, 10, 2],
    [7, 23, 1],
    [3, 0, 0],
  ])('weekday %i at %i:00 UTC, at least %i days ago, is the most recent one', (weekday, hour, minDaysAgo) => {
    for (const now of clocks) {
      const date = pastWeekday(weekday, hour, 0, minDaysAgo, now);
      expect([isoWeekday(date), date.getUTCHours(), date.getUTCMinutes()]).toEqual([weekday, hour, 0]);
      expect(date.getTime()).toBeLessThanOrEqual(now - minDaysAgo * DAY_MS);
      expect(date.getTime()).toBeGreaterThan(now - (minDaysAgo + 7) * DAY_MS);
    }
  });

  it('a night at least a day ago', () => {
    for (const now of clocks) {
      const date = pastHour(2, now);
      expect(date.getUTCHours()).toBe(2);
      expect(date.getTime()).toBeLessThanOrEqual(now - DAY_MS);
      expect(date.getTime()).toBeGreaterThan(now - 2 * DAY_MS);
    }
  });
});
