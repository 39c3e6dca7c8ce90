import { generateAdministration, START_MARKER_HOURS, START_MARKER_KEY } from './administration';
import { generateDataExports } from './data-exports';
import { generateEscalation } from './escalation';
import { History, type SeedEvent } from './history';
import { generateLeads } from './leads';
import { generateOpportunities } from './opportunities';
import { DAY_MS } from './schedule';
import { generateSecurityIncidents } from './security-incidents';
import { generateDailySignIns } from './sign-ins';

/** The tenant `npm run seed` fills, whose token the explorer carries. */
export const DEMO_TENANT = 'demo';
/** Six weeks of history, ending at the last midnight (UTC) before the first seed. */
export const DEMO_HISTORY_DAYS = 42;

export interface DemoHistory {
  tenant: string;
  start: Date;
  end: Date;
  /** Oldest first. */
  events: SeedEvent[];
  /** The id of the event whose time gives `start` back (see startFromMarker). */
  markerId: string;
}

/** Where a new history starts: `days` before the last midnight (UTC) at or before `now`. */
export function defaultStart(now: Date, days = DEMO_HISTORY_DAYS): Date {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(midnight - days * DAY_MS);
}

/** The start of a history from the stored time of its marker event. */
export function startFromMarker(markerOccurredAt: Date): Date {
  return new Date(markerOccurredAt.getTime() - START_MARKER_HOURS * 3600_000);
}

/** The id of the marker event of a tenant's history (the same whatever the start). */
export function markerIdOf(tenant: string): string {
  return new History(tenant, new Date(0), 1).idOf(START_MARKER_KEY);
}

/**
 * A CRM's audit history for one tenant, the same for the same tenant and start: leads through their statuses,
 * opportunities through their stages, sign-ins (failures, a burst, a spray, impossible travel), exports, role
 * and permission changes, settings. A few thousand events.
 */
export function generateDemoHistory(tenant: string, start: Date, days = DEMO_HISTORY_DAYS): DemoHistory {
  const history = new History(tenant, start, days);
  generateAdministration(history);
  generateDailySignIns(history);
  generateSecurityIncidents(history);
  generateOpportunities(history, generateLeads(history));
  generateDataExports(history);
  generateEscalation(history);
  const events = [...history.events].sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return { tenant, start, end: history.end, events, markerId: history.idOf(START_MARKER_KEY) };
}
