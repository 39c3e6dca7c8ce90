import { by, REPS } from './cast';
import { on, type History } from './history';
import type { Conversion } from './lead-lifecycle';
import { COMPANIES } from './names';
import { advanceOpportunity } from './opportunity-stages';
import { createRandom } from './random';
import { workdayFrom } from './schedule';

/** Upsell opportunities opened on accounts older than the history. */
const UPSELLS = 24;

/** Accounts, contacts and opportunities from converted leads, and upsells on older accounts. */
export function generateOpportunities(history: History, conversions: Conversion[]): void {
  const random = createRandom(`${history.tenant}:opportunities`);
  for (const { owner, at, accountId, contactId, opportunityId, company, leadId } of conversions) {
    const seconds = (offset: number) => new Date(at.getTime() + offset * 1000);
    const account = { name: company, ownerId: owner.id, type: 'Customer' };
    history.add(`${accountId}:create`, seconds(2), 'CREATE', {
      ...on('Account', accountId),
      ...by(owner),
      after: account,
    });
    const contact = { accountId, ownerId: owner.id, convertedFromLead: leadId };
    history.add(`${contactId}:create`, seconds(3), 'CREATE', {
      ...on('Contact', contactId),
      ...by(owner),
      after: contact,
    });
    advanceOpportunity(history, random, {
      id: opportunityId,
      owner,
      accountId,
      company,
      at: seconds(4),
      kind: 'New Business',
    });
  }
  for (let k = 0; k < UPSELLS; k++) {
    const owner = random.pick(REPS.filter((rep) => !rep.since));
    const day = workdayFrom(history, random.int(0, Math.floor(history.days * 0.6)));
    const [morning] = owner.place.morning;
    const at = history.at(day, random.between(morning + 1, morning + 7));
    const [id, accountId, company] = [`O-${7001 + k}`, `A-${101 + k}`, random.pick(COMPANIES)];
    advanceOpportunity(history, random, { id, owner, accountId, company, at, kind: 'Upsell' });
  }
}
