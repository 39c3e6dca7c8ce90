import { AuditSource } from '../../src/events/enums';
import { by, PEOPLE, SERVICES, via, type Person } from './cast';
import { change, on, type Change, type History } from './history';
import { UNQUALIFIED_REASONS } from './names';
import type { Random } from './random';
import { laterWorkTime, minutesAfter } from './schedule';

export interface LeadStart {
  id: string;
  company: string;
  owner: Person;
  /** When it was created, routed and scored. */
  at: Date;
  score: number;
}

/** A qualified lead converted into an account, a contact and an opportunity. */
export interface Conversion {
  leadId: string;
  company: string;
  owner: Person;
  at: Date;
  accountId: string;
  contactId: string;
  opportunityId: string;
}

/** New → Contacted → Working → Qualified → converted, or Unqualified; many stop on the way (still open). */
export function advanceLead(history: History, random: Random, lead: LeadStart): Conversion | null {
  const { id, owner } = lead;
  const base = { ...on('Lead', id), ...by(owner) };
  let at = lead.at;
  let status = 'New';
  /** The owner opens the lead (usually) and edits it, some days later. */
  const edit = (key: string, minDays: number, maxDays: number, changes: Change[]) => {
    at = laterWorkTime(history, random, owner, at, minDays, maxDays);
    if (random.chance(0.6)) history.add(`${id}:${key}:view`, minutesAfter(random, at, -15, -1), 'VIEW', base);
    return history.add(`${id}:${key}`, at, 'UPDATE', { ...base, changes });
  };
  const move = (next: string, minDays: number, maxDays: number, extra: Change[] = []) => {
    const moved = edit(next.toLowerCase(), minDays, maxDays, [change('status', status, next), ...extra]);
    if (moved) status = next;
    return moved;
  };

  if (!random.chance(0.92) || !move('Contacted', 0, 3)) return null;
  if (random.chance(0.3)) edit('phone', 0, 2, [change('phone', null, `+1 555 01${random.int(10, 99)}`)]);
  if (!random.chance(0.8) || !move('Working', 1, 4)) return null;
  if (random.chance(0.5)) {
    at = minutesAfter(random, at, 60, 600);
    const rescored = [change('score', lead.score, Math.min(99, lead.score + random.int(10, 35)))];
    const scoring = via(SERVICES.leadScoring, AuditSource.AUTOMATION);
    history.add(`${id}:rescore`, at, 'UPDATE', { ...on('Lead', id), ...scoring, changes: rescored });
  }
  if (!random.chance(0.55)) {
    const reason = random.pick(UNQUALIFIED_REASONS);
    if (random.chance(0.6)) move('Unqualified', 2, 8, [change('unqualifiedReason', null, reason)]);
    return null;
  }
  if (!move('Qualified', 1, 6) || !random.chance(0.85)) return null;

  at = laterWorkTime(history, random, owner, at, 0, 2);
  const n = Number(id.slice(2));
  const numbers = { accountId: `A-${n + 2000}`, contactId: `C-${n + 3000}`, opportunityId: `O-${n + 4000}` };
  const converted = [change('status', 'Qualified', 'Converted')];
  if (!history.add(`${id}:convert`, at, 'CONVERT', { ...base, changes: converted, metadata: numbers })) return null;
  // Sometimes the manager looks at the new deal the same day.
  if (random.chance(0.3))
    history.add(`${id}:manager-view`, minutesAfter(random, at, 30, 240), 'VIEW', { ...base, ...by(PEOPLE.sophie) });
  return { leadId: id, company: lead.company, owner, at, ...numbers };
}
