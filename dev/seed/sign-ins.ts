import { AuditSource } from '../../src/events/enums';
import { actorOf, PEOPLE, type Person } from './cast';
import { on, type History } from './history';
import type { Place } from './places';
import { createRandom, stableUuid, type Random } from './random';
import { minutesAfter } from './schedule';

export interface SignIn {
  person: Person;
  key: string;
  at: Date;
  place?: Place;
  userAgent?: string;
  /** Mistyped passwords just before. */
  failuresBefore?: number;
  /** Hours until the session ends (logout or expiry). */
  hours: number;
}

/** One sign-in: the failures before it, the LOGIN, and its LOGOUT or SESSION_EXPIRED. */
export function signIn(history: History, random: Random, sign: SignIn): void {
  const { person, key, at, place = person.place, userAgent = person.userAgent, failuresBefore = 0, hours } = sign;
  const context = {
    ...on('User', person.id),
    ...{ actor: actorOf(person), source: AuditSource.UI, ipAddress: place.ip, userAgent, location: place.location },
  };
  for (let i = failuresBefore; i > 0; i--) {
    const failedAt = new Date(at.getTime() - i * random.int(15, 40) * 1000);
    history.add(`${key}:failed-${i}`, failedAt, 'LOGIN_FAILED', {
      ...context,
      metadata: { reason: 'INVALID_PASSWORD' },
    });
  }
  const sessionId = `sess_${stableUuid(history.tenant, key).replace(/-/g, '').slice(0, 20)}`;
  const method = person.role === 'ADMIN' ? 'password+totp' : 'password';
  history.add(`${key}:login`, at, 'LOGIN', { ...context, sessionId, metadata: { method } });
  const end = new Date(at.getTime() + Math.round(hours * 3600) * 1000);
  if (random.chance(0.3))
    history.add(`${key}:expired`, end, 'SESSION_EXPIRED', { ...context, sessionId, source: AuditSource.SYSTEM });
  else history.add(`${key}:logout`, end, 'LOGOUT', { ...context, sessionId });
}

/** Everyone's working days: a morning sign-in (now and then after a mistyped password), sometimes a second one. */
export function generateDailySignIns(history: History): void {
  const random = createRandom(`${history.tenant}:sign-ins`);
  for (const person of Object.values(PEOPLE)) {
    for (let day = (person.since ?? -1) + 1; day < history.days; day++) {
      if (!history.isWorkday(day) || random.chance(0.08)) continue;
      const [from, to] = person.place.morning;
      const device = person.laterDevice;
      const userAgent = device && day >= device.fromDay && random.chance(0.35) ? device.userAgent : undefined;
      const at = history.at(day, random.between(from, to));
      const failuresBefore = random.chance(0.06) ? random.int(1, 2) : 0;
      const hours = random.between(3.5, 9);
      signIn(history, random, { person, key: `${person.id}:day${day}:am`, at, failuresBefore, hours, userAgent });
      if (random.chance(0.25)) {
        const afternoon = minutesAfter(random, history.at(day, from + 4.5), 0, 120);
        signIn(history, random, {
          person,
          key: `${person.id}:day${day}:pm`,
          at: afternoon,
          hours: random.between(0.5, 3),
        });
      }
    }
  }
  // The London sales manager catches up on some Saturday evenings (outside business hours).
  for (let day = 0; day < history.days; day++) {
    if (history.at(day, 0).getUTCDay() !== 6 || !random.chance(0.5)) continue;
    const at = history.at(day, random.between(19, 21));
    signIn(history, random, { person: PEOPLE.sophie, key: `sophie:weekend${day}`, at, hours: 1 });
  }
}
