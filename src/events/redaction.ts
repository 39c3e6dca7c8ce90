import {
  AuditPermission,
  PERMISSIONS,
  ROLE_DIRECTORY,
  currentPermissions,
  lackProblem,
  type Permissions,
} from '../auth/permissions';
import { loaderKey, serviceKey, type RequestContext, type Services } from '../core/context';
import { AuditError, ErrorCode } from '../errors';
import type { Knex } from '@mikro-orm/postgresql';
import type { Principal } from '../auth/principal';
import type { AuditEventNode } from './event-row';

/** Which entity fields a tenant marked personal: entity type → field names. */
export type PersonalFields = ReadonlyMap<string, readonly string[]>;

/** The tenant's marks, served by the personal-data module. */
export interface PersonalFieldSource {
  /** Read through `knex` when given (the write path's transaction, which already holds a connection). */
  of(tenantId: string, knex?: Knex): Promise<PersonalFields>;
}

export const PERSONAL_FIELD_SOURCE = serviceKey<PersonalFieldSource>('personal fields');

/** What is hidden from a caller without READ_PERSONAL_DATA. */
export interface Redaction {
  personalFields: PersonalFields;
}

/** The names `redactedFields` lists for the event's own personal columns. */
export const REDACTED = {
  actorEmail: 'actorEmail',
  ipAddress: 'ipAddress',
  userAgent: 'userAgent',
  location: 'location',
  changes: (field: string) => `changes.${field}`,
} as const;

/** A redaction as stored with a job that applies it later (an export): entity type → personal fields. */
export type StoredRedaction = Record<string, string[]>;

export function storedRedaction(redaction: Redaction | null): StoredRedaction | null {
  return redaction && Object.fromEntries([...redaction.personalFields].map(([type, fields]) => [type, [...fields]]));
}

export function revivedRedaction(stored: StoredRedaction | null): Redaction | null {
  return stored && { personalFields: new Map(Object.entries(stored)) };
}

const PERSONAL_FIELDS = loaderKey('personal fields', (services, principal) =>
  services.get(PERSONAL_FIELD_SOURCE).of(principal.tenantId),
);

/** The request's redaction: null when the caller holds READ_PERSONAL_DATA (read once per request). */
export async function redactionOf(context: RequestContext): Promise<Redaction | null> {
  if ((await context.loader(PERMISSIONS)).has(AuditPermission.READ_PERSONAL_DATA)) return null;
  return { personalFields: await context.loader(PERSONAL_FIELDS) };
}

/** What a caller may see now, read afresh (not from the request's cache): for open subscriptions. */
export interface Access {
  permissions: Permissions;
  redaction: Redaction | null;
}

export async function currentAccess(services: Services, principal: Principal): Promise<Access> {
  const permissions = await currentPermissions(services, principal);
  if (permissions.has(AuditPermission.READ_PERSONAL_DATA)) return { permissions, redaction: null };
  return {
    permissions,
    redaction: { personalFields: await services.get(PERSONAL_FIELD_SOURCE).of(principal.tenantId) },
  };
}

/**
 * Calls `changed` with the caller's access as stored after each change of the tenant's roles or
 * personal fields (on any replica), until the returned function is called.
 */
export function followAccess(context: RequestContext, changed: (now: Access) => void): () => void {
  const principal = context.auth.principal!;
  return context.services.get(ROLE_DIRECTORY).watch(principal.tenantId, () => {
    currentAccess(context.services, principal).then(changed, (err: unknown) =>
      context.log.error({ err }, 'could not re-read the access of an open subscription'),
    );
  });
}

/** The request's access, as the subscription starts with it. */
export async function accessOf(context: RequestContext): Promise<Access> {
  return { permissions: await context.loader(PERMISSIONS), redaction: await redactionOf(context) };
}

/**
 * Why a subscription that started with `started` must end now that its caller has `now`:
 * FORBIDDEN when it lacks `needed`; PERMISSIONS_CHANGED when it would now be shown less (personal
 * data taken away, or more fields marked personal), since a subscriber's events are rendered once
 * for everyone with the same view; null when it may go on.
 */
export function revocationOf(started: Access, now: Access, needed: readonly AuditPermission[]): AuditError | null {
  const lacking = lackProblem(now.permissions, needed);
  if (lacking) return lacking;
  if (now.redaction && !sameRedaction(started.redaction, now.redaction))
    return new AuditError(
      ErrorCode.PermissionsChanged,
      'What your role may see of personal data changed: subscribe again to receive events masked as they now are',
    );
  return null;
}

/** A key that tells redactions apart: subscribers with the same one may share rendered events. */
export function redactionKey(redaction: Redaction | null): string {
  if (!redaction) return 'unmasked';
  return JSON.stringify([...redaction.personalFields.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function sameRedaction(before: Redaction | null, after: Redaction): boolean {
  return before !== null && redactionKey(before) === redactionKey(after);
}

function isPersonalField(fields: readonly string[] | undefined, field: string): boolean {
  return !!fields?.some((personal) => field === personal || field.startsWith(`${personal}.`));
}

/** The event as a caller under `redaction` sees it: personal values null, and named in `redactedFields`. */
export function redactEvent<T extends AuditEventNode>(event: T, redaction: Redaction | null): T {
  if (!redaction) return event;
  // Starts from what erasure already hid (src/erasure); a field is named once.
  const redacted: string[] = [...event.redactedFields];
  const hide = <V>(value: V | null, name: string): null => {
    if (value !== null && value !== undefined) redacted.push(name);
    return null;
  };
  const actor = { ...event.actor, email: hide(event.actor.email, REDACTED.actorEmail) };
  const ipAddress = hide(event.ipAddress, REDACTED.ipAddress);
  const userAgent = hide(event.userAgent, REDACTED.userAgent);
  const location = hide(event.location, REDACTED.location);
  const changes = redactChanges(event.entityType, event.changes, redaction, (field) => {
    if (!redacted.includes(REDACTED.changes(field))) redacted.push(REDACTED.changes(field));
  });
  return { ...event, actor, ipAddress, userAgent, location, changes, redactedFields: redacted };
}

/** Changes of an `entityType` record as a caller under `redaction` sees them; `hidden` hears each masked field. */
export function redactChanges<C extends { field: string }>(
  entityType: string | null,
  changes: readonly C[],
  redaction: Redaction | null,
  hidden: (field: string) => void = () => undefined,
): Array<C | { field: string; oldValue: null; newValue: null }> {
  const personal = redaction && entityType ? redaction.personalFields.get(entityType) : undefined;
  return changes.map((change) => {
    if (!isPersonalField(personal, change.field)) return change;
    hidden(change.field);
    return { field: change.field, oldValue: null, newValue: null };
  });
}
