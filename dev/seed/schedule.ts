import type { Person } from './cast';
import type { History } from './history';
import type { Random } from './random';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** The day index of an instant within the history. */
export function dayOf(history: History, at: Date): number {
  return Math.floor((at.getTime() - history.start.getTime()) / DAY_MS);
}

/** `minutes` (a random amount within the range) after `from`, to the second. */
export function minutesAfter(random: Random, from: Date, min: number, max: number): Date {
  return new Date(from.getTime() + Math.round(random.between(min, max) * 60) * 1000);
}

/**
 * When `person` next does something, between `minDays` and `maxDays` after `from`: a workday, inside their
 * working hours (their morning plus eight hours), and always after `from`.
 */
export function laterWorkTime(
  history: History,
  random: Random,
  person: Person,
  from: Date,
  minDays: number,
  maxDays: number,
): Date {
  let day = dayOf(history, from) + Math.floor(random.between(minDays, maxDays));
  while (!history.isWorkday(day)) day++;
  const [morning] = person.place.morning;
  const at = history.at(day, random.between(morning + 0.25, morning + 8));
  return at.getTime() > from.getTime() ? at : minutesAfter(random, from, 5, 90);
}

/** A workday at or after `day` (weekends move to Monday). */
export function workdayFrom(history: History, day: number): number {
  while (!history.isWorkday(day)) day++;
  return day;
}

export { DAY_MS, MINUTE_MS };
