import { AuditSource } from '../../src/events/enums';
import { actorOf, by, PEOPLE, REPS, SERVICES, via, type Person } from './cast';
import { change, on, type History } from './history';
import { advanceLead, type Conversion } from './lead-lifecycle';
import { COMPANIES, FIRST_NAMES, INDUSTRIES, LAST_NAMES, LEAD_SOURCES, TITLES } from './names';
import { createRandom, type Random } from './random';
import { minutesAfter, workdayFrom } from './schedule';

const LEAD_COUNT = 240;
/** Days on which marketing imports a trade-show list. */
const IMPORT_DAYS = [3, 17, 31];

type Channel = 'web' | 'import' | 'rep' | 'hubspot';

function newLead(random: Random, channel: Channel, owner: Person) {
  const [firstName, lastName, company] = [random.pick(FIRST_NAMES), random.pick(LAST_NAMES), random.pick(COMPANIES)];
  const domain = company.toLowerCase().replace(/[^a-z]+/g, '');
  const leadSource = { web: 'Web', import: 'Trade Show', rep: random.pick(LEAD_SOURCES), hubspot: 'Webinar' }[channel];
  return {
    ...{ firstName, lastName, email: `${firstName}.${lastName}@${domain}.example`.toLowerCase(), company },
    ...{ title: random.pick(TITLES), industry: random.pick(INDUSTRIES), leadSource, status: 'New' },
    ...(channel === 'rep' ? { ownerId: owner.id } : {}),
  };
}

/** Leads arriving through every channel, routed to a rep, scored, then worked (see lead-lifecycle). */
export function generateLeads(history: History): Conversion[] {
  const random = createRandom(`${history.tenant}:leads`);
  const conversions: Conversion[] = [];
  const imported = new Map<number, number>();
  for (let n = 0; n < LEAD_COUNT; n++) {
    const id = `L-${1001 + n}`;
    const channel = random.weighted<Channel>(['web', 'import', 'rep', 'hubspot'], [40, 20, 25, 15]);
    let day = random.int(0, history.days - 1);
    if (channel === 'import') day = workdayFrom(history, random.pick(IMPORT_DAYS));
    else if (channel !== 'web') day = workdayFrom(history, day);
    const owner = random.pick(REPS.filter((rep) => (rep.since ?? -1) < day));
    const lead = newLead(random, channel, owner);
    const hours = {
      web: random.between(0, 24),
      import: 10.5 + n / 3600,
      rep: random.between(9, 17),
      hubspot: 3 + n / 3600,
    }[channel];
    const creator = {
      web: via(SERVICES.webForms, AuditSource.API),
      import: via(actorOf(PEOPLE.olivia), AuditSource.IMPORT),
      rep: by(owner),
      hubspot: via(SERVICES.hubspotSync, AuditSource.INTEGRATION),
    }[channel];
    let at = history.at(day, hours);
    if (!history.add(`${id}:create`, at, 'CREATE', { ...on('Lead', id), ...creator, after: lead })) continue;
    if (channel === 'import') imported.set(day, (imported.get(day) ?? 0) + 1);

    const automation = (actor: typeof SERVICES.leadRouter) => ({
      ...on('Lead', id),
      ...via(actor, AuditSource.AUTOMATION),
    });
    if (channel !== 'rep') {
      at = minutesAfter(random, at, 0.1, 3);
      history.add(`${id}:assign`, at, 'ASSIGN', {
        ...automation(SERVICES.leadRouter),
        changes: [change('ownerId', null, owner.id)],
      });
    }
    const score = random.int(5, 60);
    at = minutesAfter(random, at, 1, 20);
    history.add(`${id}:score`, at, 'UPDATE', {
      ...automation(SERVICES.leadScoring),
      changes: [change('score', null, score)],
    });
    const conversion = advanceLead(history, random, { id, company: lead.company, owner, at, score });
    if (conversion) conversions.push(conversion);
  }
  for (const [day, recordCount] of imported) {
    const metadata = { recordCount, file: `tradeshow-leads-day${day}.csv` };
    const importer = via(actorOf(PEOPLE.olivia), AuditSource.IMPORT);
    history.add(`import:${day}`, history.at(day, 10.49), 'BULK_IMPORT', { ...on('Lead'), ...importer, metadata });
  }
  return conversions;
}
