import { makeEvents } from '../ingest/events';

const LOCATIONS = [
  { city: 'Lyon', latitude: 45.76, longitude: 4.84 },
  { city: 'Berlin', latitude: 52.52, longitude: 13.4 },
  { city: 'Osaka', latitude: 34.69, longitude: 135.5 },
];

/**
 * The ingest bench's events with a CRM's share of what the detectors look at: logins (with user
 * agents and places), failed logins, exports with record counts, deletions and role changes.
 */
export function makeSecurityEvents(seed: number, tenantId: string, count: number): Array<Record<string, unknown>> {
  return makeEvents(seed, tenantId, count).map((event, index): Record<string, unknown> => {
    switch (index % 20) {
      case 0:
      case 10:
        return { ...event, action: 'LOGIN', changes: [], location: LOCATIONS[(seed + index) % LOCATIONS.length] };
      case 1:
      case 11:
        return { ...event, action: 'LOGIN_FAILED', changes: [] };
      case 2:
        return { ...event, action: 'EXPORT', changes: [], metadata: { recordCount: 7 } };
      case 3:
      case 13:
        return { ...event, action: 'DELETE', changes: [] };
      case 4:
        return {
          ...event,
          action: 'ROLE_CHANGE',
          changes: [{ field: 'role', oldValue: 'SALES_REP', newValue: index % 40 === 4 ? 'ADMIN' : 'SALES_MANAGER' }],
        };
      default:
        return { ...event };
    }
  });
}

/** One event per call that raises `permission-escalation` at once: the lag probe. */
export function escalationProbe(tenantId: string, index: number): Record<string, unknown> {
  return {
    tenantId,
    actor: { id: `probe-${index % 50}`, type: 'USER' },
    action: 'ROLE_CHANGE',
    entityType: 'User',
    entityId: `probe-target-${index}`,
    changes: [{ field: 'role', oldValue: 'SALES_REP', newValue: 'ADMIN' }],
  };
}
