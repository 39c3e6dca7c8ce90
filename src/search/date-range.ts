import type { DateBound, DateRange } from './ast';

const DAY_MS = 24 * 60 * 60 * 1000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** A day covers [start, end); a timestamp is one instant (start = end). */
interface Moment {
  start: Date;
  end: Date;
  isDay: boolean;
}

function utc(year: string, month: string, day: string, hour = 0, minute = 0, second = 0, ms = 0): number | undefined {
  const at = Date.UTC(Number(year), Number(month) - 1, Number(day), hour, minute, second, ms);
  const date = new Date(at);
  const valid =
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day) &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  return valid ? at : undefined;
}

function offsetMinutes(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return zone.startsWith('-') ? -minutes : minutes;
}

function parseMoment(text: string): Moment | undefined {
  const day = DAY.exec(text);
  if (day) {
    const start = utc(day[1], day[2], day[3]);
    return start === undefined ? undefined : { start: new Date(start), end: new Date(start + DAY_MS), isDay: true };
  }
  const stamp = TIMESTAMP.exec(text);
  if (!stamp) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = stamp;
  const ms = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
  const local = utc(y, mo, d, Number(h), Number(mi), Number(s ?? 0), ms);
  if (local === undefined) return undefined;
  const at = new Date(local - offsetMinutes(zone) * 60_000);
  return { start: at, end: at, isDay: false };
}

const fromStart = (m: Moment): DateBound => ({ at: m.start, inclusive: true });
const afterEnd = (m: Moment): DateBound => (m.isDay ? { at: m.end, inclusive: true } : { at: m.end, inclusive: false });
const beforeStart = (m: Moment): DateBound => ({ at: m.start, inclusive: false });
const toEnd = (m: Moment): DateBound => (m.isDay ? { at: m.end, inclusive: false } : { at: m.end, inclusive: true });

/** Parses the value of `date:`; undefined when it is not one of the documented forms. */
export function parseDateRange(text: string): DateRange | undefined {
  const comparison = /^(>=|<=|>|<)(.*)$/.exec(text);
  if (comparison) {
    const moment = parseMoment(comparison[2]);
    if (!moment) return undefined;
    if (comparison[1] === '>') return { lower: afterEnd(moment) };
    if (comparison[1] === '>=') return { lower: fromStart(moment) };
    if (comparison[1] === '<') return { upper: beforeStart(moment) };
    return { upper: toEnd(moment) };
  }
  const [first, last, ...rest] = text.split('..');
  if (rest.length > 0) return undefined;
  const lower = parseMoment(first);
  const upper = last === undefined ? lower : parseMoment(last);
  if (!lower || !upper || lower.start > upper.end) return undefined;
  return { lower: fromStart(lower), upper: toEnd(upper) };
}
