import { by, PEOPLE, type Person } from './cast';
import { change, on, type Change, type History } from './history';
import type { Random } from './random';
import { DAY_MS, laterWorkTime } from './schedule';

const STAGES: Array<[stage: string, probability: number]> = [
  ['Qualification', 20],
  ['Needs Analysis', 40],
  ['Proposal', 60],
  ['Negotiation', 80],
];
const LOSS_REASONS = ['Price', 'Chose a competitor', 'No decision', 'Project cancelled'];

export interface NewOpportunity {
  id: string;
  owner: Person;
  accountId: string;
  company: string;
  at: Date;
  kind: 'New Business' | 'Upsell';
}

const isoDate = (at: Date) => at.toISOString().slice(0, 10);
const roundTo100 = (amount: number) => Math.round(amount / 100) * 100;

/** Created at Prospecting, then stage by stage (amount revised at Proposal and Negotiation) to Closed Won or Lost. */
export function advanceOpportunity(history: History, random: Random, opportunity: NewOpportunity): void {
  const { id, owner, accountId, company, kind } = opportunity;
  const seats = random.int(2, 80) * 5;
  let amount = roundTo100(seats * random.between(40, 120));
  let at = opportunity.at;
  let closeDate = isoDate(new Date(at.getTime() + random.int(30, 90) * DAY_MS));
  let [stage, probability] = ['Prospecting', 10];
  const name = `${company} — ${seats} seats`;
  const after = { name, accountId, type: kind, stage, amount, probability, closeDate, ownerId: owner.id };
  if (!history.add(`${id}:create`, at, 'CREATE', { ...on('Opportunity', id), ...by(owner), after })) return;

  const update = (key: string, changes: Change[], who: Person = owner) => {
    at = laterWorkTime(history, random, who, at, 1, 6);
    return history.add(`${id}:${key}`, at, 'UPDATE', { ...on('Opportunity', id), ...by(who), changes });
  };
  for (const [next, nextProbability] of STAGES) {
    if (!random.chance(next === 'Qualification' ? 0.9 : 0.8)) return;
    const changes = [change('stage', stage, next), change('probability', probability, nextProbability)];
    if (next === 'Proposal' || (next === 'Negotiation' && random.chance(0.7))) {
      const revised = roundTo100(amount * (next === 'Proposal' ? random.between(0.9, 1.3) : random.between(0.8, 0.97)));
      changes.push(change('amount', amount, revised));
      amount = revised;
    }
    if (!update(next.toLowerCase().replace(' ', '-'), changes)) return;
    [stage, probability] = [next, nextProbability];
    if (random.chance(0.2)) {
      const pushed = isoDate(new Date(Date.parse(closeDate) + random.int(14, 45) * DAY_MS));
      if (!update(`${stage}:close-date`, [change('closeDate', closeDate, pushed)])) return;
      closeDate = pushed;
    }
  }
  const manager = owner.place.location.country === 'US' ? PEOPLE.tom : PEOPLE.sophie;
  if (random.chance(0.5) && !update('discount', [change('discountApproved', false, true)], manager)) return;
  const won = random.chance(0.6);
  const closing = [
    change('stage', stage, won ? 'Closed Won' : 'Closed Lost'),
    change('probability', probability, won ? 100 : 0),
  ];
  if (!won) closing.push(change('lossReason', null, random.pick(LOSS_REASONS)));
  update('closed', closing);
}
