import type { AuditActorInput } from '../../src/events/audit-event.input';
import { ActorType, AuditSource } from '../../src/events/enums';
import { PLACES, USER_AGENTS as UA, type Place } from './places';

export interface Person {
  id: string;
  email: string;
  role: string;
  place: Place;
  userAgent: string;
  /** A second device, first used on this day. */
  laterDevice?: { userAgent: string; fromDay: number };
  /** The day their account was created (absent: before the history). */
  since?: number;
}

const person = (id: string, role: string, place: Place, userAgent: string, extra: Partial<Person> = {}): Person => ({
  id,
  email: `${id}@demo.example.com`,
  role,
  place,
  userAgent,
  ...extra,
});

export const PEOPLE = {
  dana: person('dana.whitfield', 'ADMIN', PLACES.london, UA.chromeMac),
  sophie: person('sophie.martin', 'SALES_MANAGER', PLACES.london, UA.safariMac),
  tom: person('tom.baker', 'SALES_MANAGER', PLACES.austin, UA.chromeWindows),
  jane: person('jane.smith', 'SALES_REP', PLACES.london, UA.chromeWindows),
  priya: person('priya.nair', 'SALES_REP', PLACES.london, UA.chromeMac),
  mark: person('mark.chen', 'SALES_REP', PLACES.newYork, UA.edgeWindows),
  james: person('james.wilson', 'SALES_REP', PLACES.newYork, UA.chromeWindows, {
    laterDevice: { userAgent: UA.iphone, fromDay: 18 },
  }),
  ryan: person('ryan.cole', 'SALES_REP', PLACES.austin, UA.chromeMac),
  lucas: person('lucas.silva', 'SALES_REP', PLACES.lisbon, UA.firefoxLinux),
  anna: person('anna.schmidt', 'SALES_REP', PLACES.berlin, UA.chromeWindows, {
    laterDevice: { userAgent: UA.android, fromDay: 25 },
  }),
  emma: person('emma.davis', 'SALES_REP', PLACES.berlin, UA.chromeMac, { since: 10 }),
  olivia: person('olivia.brooks', 'MARKETING', PLACES.newYork, UA.safariMac),
};

export const REPS = [
  PEOPLE.jane,
  PEOPLE.priya,
  PEOPLE.mark,
  PEOPLE.james,
  PEOPLE.ryan,
  PEOPLE.lucas,
  PEOPLE.anna,
  PEOPLE.emma,
];

/** The actor of an event done by a person. */
export const actorOf = (p: Person): AuditActorInput => ({
  id: p.id,
  email: p.email,
  role: p.role,
  type: ActorType.USER,
});

/** Services acting on their own. */
export const SERVICES = {
  webForms: { id: 'web-forms', type: ActorType.SERVICE },
  leadRouter: { id: 'lead-router', type: ActorType.SERVICE },
  leadScoring: { id: 'lead-scoring', type: ActorType.SERVICE },
  hubspotSync: { id: 'hubspot-sync', type: ActorType.SERVICE },
  authService: { id: 'auth-service', type: ActorType.SYSTEM },
} satisfies Record<string, AuditActorInput>;

/** Done by a person in the CRM's UI, from their usual place and device. */
export const by = (p: Person) => ({
  actor: actorOf(p),
  source: AuditSource.UI,
  ipAddress: p.place.ip,
  userAgent: p.userAgent,
});

/** Done by an actor through a channel other than the UI. */
export const via = (actor: AuditActorInput, source: AuditSource) => ({ actor, source });
