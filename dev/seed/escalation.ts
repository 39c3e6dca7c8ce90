import { by, PEOPLE } from './cast';
import { change, on, type History } from './history';
import { createRandom } from './random';
import { minutesAfter, workdayFrom } from './schedule';
import { signIn } from './sign-ins';

/**
 * One evening a manager makes ryan.cole an ADMIN; he signs in again, exports the whole contact book and the
 * accounts; the admin revokes the role the next morning.
 */
export function generateEscalation(history: History): void {
  const random = createRandom(`${history.tenant}:escalation`);
  const { ryan, tom, dana } = PEOPLE;
  const day = workdayFrom(history, history.days - 4);
  const granted = history.at(day, 19.3);
  const user = on('User', ryan.id);
  history.add('escalation:grant', granted, 'ROLE_CHANGE', {
    ...user,
    ...by(tom),
    changes: [change('role', 'SALES_REP', 'ADMIN')],
  });

  const asAdmin = { ...ryan, role: 'ADMIN' };
  signIn(history, random, {
    person: asAdmin,
    key: 'escalation:login',
    at: minutesAfter(random, granted, 8, 12),
    hours: 1.2,
  });
  const exported = minutesAfter(random, granted, 20, 25);
  const contacts = { recordCount: 1850, format: 'CSV', view: 'All contacts' };
  history.add('escalation:export-contacts', exported, 'EXPORT', {
    ...on('Contact'),
    ...by(asAdmin),
    metadata: contacts,
  });
  const accounts = { recordCount: 640, format: 'CSV', view: 'All accounts' };
  const later = minutesAfter(random, exported, 3, 6);
  history.add('escalation:export-accounts', later, 'EXPORT', { ...on('Account'), ...by(asAdmin), metadata: accounts });

  const revoked = history.at(workdayFrom(history, day + 1), 8.75);
  history.add('escalation:revoke', revoked, 'ROLE_CHANGE', {
    ...user,
    ...by(dana),
    changes: [change('role', 'ADMIN', 'SALES_REP')],
    metadata: { ticket: 'SEC-1042', reason: 'Granted without approval' },
  });
}
