import { AuditSource } from '../../src/events/enums';
import { actorOf, by, PEOPLE, SERVICES, via, type Person } from './cast';
import { on, type History } from './history';
import { PLACES, USER_AGENTS, type Place } from './places';
import { createRandom } from './random';
import { workdayFrom } from './schedule';
import { signIn } from './sign-ins';

const SPRAY_PLACE: Place = {
  location: { country: 'US', region: 'Virginia', city: 'Ashburn', latitude: 39.0438, longitude: -77.4874 },
  ip: '198.51.100.201',
  morning: [3, 4],
};

/** What the alert rules are for: a failed-login burst and lockout, a password spray, impossible travel; and MFA. */
export function generateSecurityIncidents(history: History): void {
  const random = createRandom(`${history.tenant}:security`);
  const attempt = (person: Person, place: Place) => ({
    ...on('User', person.id),
    ...{ actor: actorOf(person), source: AuditSource.API, userAgent: USER_AGENTS.script },
    ...{ ipAddress: place.ip, location: place.location },
  });

  // Everyone enrols a second factor in the first days, after MFA became mandatory.
  for (const person of Object.values(PEOPLE)) {
    const at = history.at(workdayFrom(history, (person.since ?? 0) + 1), person.place.morning[1] + 0.1);
    history.add(`${person.id}:mfa-enroll`, at, 'MFA_ENROLL', {
      ...on('User', person.id),
      ...by(person),
      metadata: { factor: 'TOTP' },
    });
  }

  // A burst of failed logins against mark.chen from one address, until the account locks; he resets his password.
  const mark = PEOPLE.mark;
  const burstDay = history.days - 9;
  let at = history.at(burstDay, 2.2);
  for (let n = 1; n <= 14; n++) {
    at = new Date(at.getTime() + random.int(8, 25) * 1000);
    const metadata = { reason: n > 10 ? 'ACCOUNT_LOCKED' : 'INVALID_PASSWORD', attempt: n };
    history.add(`burst:${n}`, at, 'LOGIN_FAILED', { ...attempt(mark, PLACES.amsterdam), metadata });
    if (n !== 10) continue;
    const lockout = {
      ...on('User', mark.id),
      ...via(SERVICES.authService, AuditSource.SYSTEM),
      ipAddress: PLACES.amsterdam.ip,
    };
    const metadata10 = { failedAttempts: 10, lockedForMinutes: 30 };
    history.add('burst:lockout', new Date(at.getTime() + 1000), 'ACCOUNT_LOCKOUT', {
      ...lockout,
      metadata: metadata10,
    });
  }
  const resetAt = history.at(workdayFrom(history, burstDay + 1), mark.place.morning[1] + 0.3);
  const reset = { ...on('User', mark.id), ...by(mark), metadata: { trigger: 'ACCOUNT_LOCKOUT' } };
  history.add('burst:password-change', resetAt, 'PASSWORD_CHANGE', reset);

  // A password spray: one attempt per user from a single address, within a few minutes.
  at = history.at(history.days - 20, 3.6);
  for (const person of Object.values(PEOPLE).slice(0, 9)) {
    at = new Date(at.getTime() + random.int(20, 50) * 1000);
    const metadata = { reason: 'INVALID_PASSWORD' };
    history.add(`spray:${person.id}`, at, 'LOGIN_FAILED', { ...attempt(person, SPRAY_PLACE), metadata });
  }

  // Impossible travel: priya.nair signs in from London, then from Singapore an hour and a half later.
  const priya = PEOPLE.priya;
  const day = workdayFrom(history, history.days - 5);
  signIn(history, random, { person: priya, key: 'travel:london', at: history.at(day, 10.1), hours: 6 });
  const singapore = { person: priya, key: 'travel:singapore', place: PLACES.singapore, hours: 0.4 };
  signIn(history, random, { ...singapore, at: history.at(day, 11.6) });
  const changed = { ...on('User', priya.id), ...by(priya), metadata: { trigger: 'SUSPICIOUS_LOGIN' } };
  history.add('travel:password-change', history.at(day, 12.2), 'PASSWORD_CHANGE', changed);
}
