import { hash } from 'node:crypto';
import type { ClientBase } from 'pg';
import type { AuditEventInput } from '../../src/events/audit-event.input';
import { copyRows } from '../../src/db/copy-rows';
import { ActorType, AuditSource, type AuditAction } from '../../src/events/enums';
import { GENESIS_HASH } from '../../src/events/event-hash';
import { insertEvents, KEY_COLUMNS, keyRow } from '../../src/events/insert-batch';
import type { NewEvent } from '../../src/events/new-event';
import { digestEvent, draftEvent } from '../../src/events/normalize-event';
import { sequenceAndHash, type TenantHead } from '../../src/events/sequencing';
import { CRM_ENTITY_TYPES } from '../../src/history/crm-entity-types';

/** Where a tenant's generated events lie: `total` events evenly spread from `start` to `end`, over `entities` records. */
export interface TenantSpan {
  tenant: string;
  total: number;
  entities: number;
  start: Date;
  end: Date;
}

const STATUSES = ['New', 'Working', 'Nurturing', 'Qualified', 'Unqualified'];
const CITIES = ['Lyon', 'Berlin', 'Austin', 'Osaka'];
const ROLES = ['SALES_REP', 'SALES_MANAGER', 'ACCOUNT_EXECUTIVE'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
];

const md5 = (text: string) => hash('md5', text);
const uuidOf = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;

/**
 * Event `i` (1-based) of the tenant, as a producer would send it: each record gets every
 * (entities)-th event; 80% UPDATE with 3 to 5 field changes, 10% CREATE, 10% VIEW (no change; of a
 * User, an UPDATE instead);
 * 500 users (`user-N`, `user.N@<tenant>.example.com`), sessions of 40 consecutive events,
 * addresses 10.x.y.z. The id is derived from tenant and `i`, so that every load sends the same events.
 */
export function generatedEvent(span: TenantSpan, i: number): AuditEventInput {
  const { tenant, total, entities } = span;
  const spread = i + Math.floor(i / entities);
  const userNo = spread % 500;
  const entityNo = (i * 7919) % entities;
  const entityType = CRM_ENTITY_TYPES[entityNo % CRM_ENTITY_TYPES.length];
  // A producer's VIEW of a person (User) is coalesced on the write path (src/access-log), not stored as sent.
  const viewed = spread % 10 === 1 && entityType !== 'User';
  const action: AuditAction = spread % 10 === 0 ? 'CREATE' : viewed ? 'VIEW' : 'UPDATE';
  const created = action === 'CREATE';
  const changes =
    action === 'VIEW'
      ? []
      : [
          { field: 'status', oldValue: created ? null : STATUSES[i % 5], newValue: STATUSES[(i + 1) % 5] },
          { field: 'amount', oldValue: created ? null : (i % 997) * 100, newValue: (i % 997) * 100 + 250 },
          { field: 'owner.id', oldValue: created ? null : `user-${i % 311}`, newValue: `user-${(i + 7) % 311}` },
          ...(i % 3 > 0 ? [{ field: 'address.city', oldValue: CITIES[i % 4], newValue: CITIES[(i + 1) % 4] }] : []),
          ...(i % 3 === 2
            ? [
                {
                  field: 'description',
                  oldValue: 'Initial discovery call done; waiting for the technical evaluation.',
                  newValue: `Technical evaluation scheduled with their IT team (${i % 1000} seats).`,
                },
              ]
            : []),
        ];
  const type = entityType.toLowerCase();
  return {
    id: uuidOf(md5(`${tenant}:${i}`)),
    tenantId: tenant,
    occurredAt: new Date(span.start.getTime() + ((i - 1) * (span.end.getTime() - span.start.getTime())) / total),
    actor: {
      id: `user-${userNo}`,
      email: `user.${userNo}@${tenant}.example.com`,
      role: ROLES[userNo % 3],
      type: ActorType.USER,
    },
    action,
    entityType,
    entityId: `${type}-${entityNo}`,
    changes,
    source: i % 5 === 0 ? AuditSource.API : AuditSource.UI,
    ipAddress: `10.${userNo % 250}.${i % 250}.${(i % 200) + 1}`,
    userAgent: AGENTS[i % 2],
    sessionId: `sess-${Math.floor(i / 40)}`,
    metadata: { requestId: md5(String(i)), client: 'web', route: `/${type}s/${entityNo}` },
  };
}

/** Events copied per COPY statement. */
const COPY_BATCH = 5_000;

/**
 * Stores the tenant's events `1..total` as the write path stores them (validated and digested by
 * `draftEvent`/`digestEvent`, sequenced and chained by `sequenceAndHash`, copied by `insertEvents`,
 * search tokens included), without its per-batch transaction and lock: one generator, its COPYs
 * spread over `connections` so that PostgreSQL parses rows while the next batch is made.
 * Each batch is recorded 40 ms after its last event occurred. Returns the tenant's head.
 */
export async function copyGeneratedEvents(
  connections: ClientBase[],
  span: TenantSpan,
  progress: (done: number) => void,
): Promise<TenantHead> {
  const head: TenantHead = {
    sequence: 0n,
    hash: GENESIS_HASH,
    recordedAt: new Date(0),
    now: new Date(0),
    changed: false,
  };
  const heads = new Map([[span.tenant, head]]);
  const idle = [...connections];
  const waiting: Array<(connection: ClientBase) => void> = [];
  const copies: Array<Promise<void>> = [];
  let failure: unknown = null;
  const release = (connection: ClientBase) => {
    const next = waiting.shift();
    if (next) next(connection);
    else idle.push(connection);
  };
  const take = () =>
    idle.length > 0 ? Promise.resolve(idle.pop()!) : new Promise<ClientBase>((resolve) => waiting.push(resolve));

  for (let lo = 1; lo <= span.total; lo += COPY_BATCH) {
    // A failed COPY stops the load at the next batch rather than after the last.
    if (failure) throw failure;
    const hi = Math.min(span.total, lo + COPY_BATCH - 1);
    const drafts: NewEvent[] = [];
    for (let i = lo; i <= hi; i++) {
      const input = generatedEvent(span, i);
      drafts.push(digestEvent(draftEvent(input, i - lo, span.tenant, input.occurredAt!), input));
    }
    head.now = new Date(drafts[drafts.length - 1].occurredAt.getTime() + 40);
    const sequenced = sequenceAndHash(drafts, heads);
    const connection = await take();
    const copy = insertEvents(connection, sequenced)
      .then(() => copyRows(connection, 'audit_event_keys', KEY_COLUMNS, drafts, keyRow))
      .then(() => progress(hi))
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => release(connection));
    copies.push(copy);
  }
  await Promise.all(copies);
  if (failure) throw failure;
  return head;
}
