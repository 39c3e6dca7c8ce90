import { DEFAULT_BUSINESS_HOURS, type BusinessHours } from '../rules/built-in-rules';
import { describeActor, refOf, summariesOf, type Detector } from './detection';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The weekday (1 = Monday) and HH:MM of `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): { day: number; time: string } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((item) => item.type === type)?.value ?? '';
  return { day: WEEKDAYS.indexOf(part('weekday')) + 1, time: `${part('hour')}:${part('minute')}` };
}

export function isWithinBusinessHours(at: Date, hours: BusinessHours): boolean {
  const { day, time } = localTime(at, hours.timeZone);
  return hours.days.includes(day) && time >= hours.start && time < hours.end;
}

/** Each LOGIN outside the tenant's business hours. */
export const offHoursAccess: Detector = async (rule, { newEvents }) => {
  const hours = rule.settings.businessHours ?? DEFAULT_BUSINESS_HOURS;
  return newEvents
    .filter((event) => event.action === 'LOGIN' && !isWithinBusinessHours(event.occurredAt, hours))
    .map((event) => {
      const { day, time } = localTime(event.occurredAt, hours.timeZone);
      return {
        rule,
        groupKey: `actor:${event.actor.id}`,
        actorId: event.actor.id,
        ...summariesOf(
          (masked) =>
            `${describeActor(event, masked)} logged in outside business hours (${WEEKDAYS[day - 1]} ${time} ${hours.timeZone})`,
        ),
        events: [refOf(event)],
        dedupeKey: event.id,
      };
    });
};
