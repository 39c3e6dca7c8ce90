import { randomBytes } from 'node:crypto';
import { seededRandom, seededUuid } from '../support/stats';
import { EVENT_COLUMNS } from '../../src/events/insert-batch';
import { searchTokensOf } from '../../src/search/search-tokens';

/** One event as a producer sends it to `recordAuditEvents` (an `AuditEventInput`). */
export interface EventInput {
  id: string;
  tenantId: string;
  occurredAt: string;
  actor: { id: string; email: string; role: string; type: 'USER' };
  action: 'UPDATE';
  entityType: string;
  entityId: string;
  changes: Array<{ field: string; oldValue: unknown; newValue: unknown }>;
  source: 'UI' | 'API';
  ipAddress: string;
  userAgent: string;
  sessionId: string;
  metadata: Record<string, unknown>;
}

const ENTITY_TYPES = ['Lead', 'Contact', 'Account', 'Opportunity', 'Quote', 'Order', 'Invoice', 'Contract'];
const ROLES = ['SALES_REP', 'SALES_MANAGER', 'ACCOUNT_EXECUTIVE', 'SUPPORT_AGENT'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'crm-mobile/5.2.1 (iPhone; iOS 18.1; Scale/3.00)',
];
const STAGES = [
  'Prospecting',
  'Qualification',
  'Needs Analysis',
  'Proposal',
  'Negotiation',
  'Closed Won',
  'Closed Lost',
];
const CITIES = ['Lyon', 'Berlin', 'Austin', 'Osaka', 'Porto', 'Leeds'];

/** The field changes an UPDATE of a CRM record typically carries: 3 to 5 of these. */
const FIELD_MAKERS: Array<(r: () => number) => { field: string; oldValue: unknown; newValue: unknown }> = [
  (r) => ({ field: 'stage', oldValue: pick(r, STAGES), newValue: pick(r, STAGES) }),
  (r) => ({ field: 'amount', oldValue: Math.round(r() * 100_000) * 10, newValue: Math.round(r() * 100_000) * 10 }),
  (r) => ({ field: 'probability', oldValue: Math.round(r() * 100), newValue: Math.round(r() * 100) }),
  (r) => ({ field: 'owner.id', oldValue: `user-${Math.floor(r() * 500)}`, newValue: `user-${Math.floor(r() * 500)}` }),
  (r) => ({
    field: 'closeDate',
    oldValue: `2026-0${1 + Math.floor(r() * 9)}-15`,
    newValue: `2026-0${1 + Math.floor(r() * 9)}-28`,
  }),
  (r) => ({ field: 'address.city', oldValue: pick(r, CITIES), newValue: pick(r, CITIES) }),
  (r) => ({
    field: 'description',
    oldValue: 'Initial discovery call done; waiting for the technical evaluation to start.',
    newValue: `Technical evaluation scheduled with their IT team (${Math.floor(r() * 1000)} seats).`,
  }),
  (r) => ({ field: 'tags', oldValue: ['inbound'], newValue: ['inbound', r() < 0.5 ? 'priority' : 'renewal'] }),
];

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)];
}

/**
 * `count` realistic UPDATE events of `tenantId`, deterministic for a given seed: an actor with
 * email and role, 3 to 5 field changes, an IP address, a user agent, a session and request metadata.
 * occurredAt lies in the last hour (the current month's partition, or the previous one just after
 * a month starts: both exist).
 */
export function makeEvents(seed: number, tenantId: string, count: number, now = Date.now()): EventInput[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const user = Math.floor(random() * 500);
    const entityType = pick(random, ENTITY_TYPES);
    const fieldCount = 3 + Math.floor(random() * 3);
    const makers = [...FIELD_MAKERS].sort(() => random() - 0.5).slice(0, fieldCount);
    const ipv6 = random() < 0.1;
    return {
      id: seededUuid(random),
      tenantId,
      occurredAt: new Date(now - 3_600_000 + Math.floor(random() * 3_500_000) + index).toISOString(),
      actor: {
        id: `user-${user}`,
        email: `user.${user}@${tenantId}.example.com`,
        role: pick(random, ROLES),
        type: 'USER',
      },
      action: 'UPDATE',
      entityType,
      entityId: `${entityType.toLowerCase()}-${Math.floor(random() * 50_000)}`,
      changes: makers.map((make) => make(random)),
      source: random() < 0.8 ? 'UI' : 'API',
      ipAddress: ipv6
        ? `2001:db8:${Math.floor(random() * 65536).toString(16)}::${Math.floor(random() * 65536).toString(16)}`
        : `203.0.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`,
      userAgent: pick(random, USER_AGENTS),
      sessionId: `sess-${seededUuid(random).slice(0, 18)}`,
      metadata: {
        requestId: seededUuid(random),
        route: `/${entityType.toLowerCase()}s/${Math.floor(random() * 50_000)}/edit`,
        client: 'web',
        appVersion: '4.12.0',
      },
    };
  });
}

/** The `audit_events` columns the raw baseline inserts: every column the service writes, in its order. */
export const RAW_COLUMNS = EVENT_COLUMNS;

/**
 * The row the service would store for `event` (same values; the hash is random bytes of the
 * same size, `recorded_at` the time of preparation), as the flat parameter list of RAW_COLUMNS.
 */
export function rawRowValues(event: EventInput, sequence: number): unknown[] {
  return [
    event.tenantId,
    String(sequence),
    event.id,
    event.occurredAt,
    new Date().toISOString(),
    event.actor.id,
    event.actor.email,
    event.actor.role,
    event.actor.type,
    null,
    event.action,
    'RECORD_CHANGE',
    event.entityType,
    event.entityId,
    JSON.stringify(event.changes),
    event.changes.map((change) => change.field),
    event.source,
    event.ipAddress,
    event.userAgent,
    event.sessionId,
    null,
    JSON.stringify(event.metadata),
    randomBytes(32),
    searchTokensOf({
      actorId: event.actor.id,
      actorEmail: event.actor.email,
      actorRole: event.actor.role,
      action: event.action,
      category: 'RECORD_CHANGE',
      source: event.source,
      entityType: event.entityType,
      entityId: event.entityId,
      sessionId: event.sessionId,
      changes: event.changes,
    }),
    // ip_sealed and personal_index: the values as sent, stored unsealed (PERSONAL_DATA_MASTER_KEY unset).
    null,
    null,
  ];
}

/** `INSERT INTO audit_events (...) VALUES ($1, ...), (...)` for `rows` rows. */
export function multiRowInsertSql(rows: number): string {
  const width = RAW_COLUMNS.length;
  const tuples = Array.from(
    { length: rows },
    (_, row) => `(${Array.from({ length: width }, (_, column) => `$${row * width + column + 1}`).join(', ')})`,
  );
  return `INSERT INTO audit_events (${RAW_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`;
}
