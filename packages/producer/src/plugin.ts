import type { ApolloServerPlugin, BaseContext, GraphQLRequestContext } from '@apollo/server';
import {
  getNamedType,
  isAbstractType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { notesOf, type AuditChange } from './change-notes';
import type { AuditClient } from './client';
import { AUDIT_SOURCES, type AuditAction, type AuditActorInput, type AuditEventDraft, type AuditSource } from './types';

/** Who made the request, as the producer's own authentication knows it. */
export interface AuditIdentity {
  actor: AuditActorInput;
  tenantId?: string;
  /** Defaults: the first address of `x-forwarded-for`, `user-agent`, `x-session-id`. */
  ipAddress?: string | null;
  userAgent?: string | null;
  sessionId?: string | null;
  /** Defaults: the `x-audit-source` header when it holds an `AuditSource`, else `API`. */
  source?: AuditSource;
}

export interface AuditPluginOptions<TContext extends BaseContext> {
  client: AuditClient;
  /** The request's identity; `null`: its mutations are not recorded (e.g. anonymous). */
  identify(request: GraphQLRequestContext<TContext>): AuditIdentity | null;
  /** Per mutation field: its action, or `null` not to record it. Otherwise taken from its name. */
  actions?: Readonly<Record<string, AuditAction | null>>;
  /**
   * Also record mutations that failed (the resolver threw), with `metadata.failed` and the error's
   * code. Default false: a failed mutation changed nothing.
   */
  recordFailures?: boolean;
  /** The header a caller names its source in. Default `x-audit-source`. */
  sourceHeader?: string;
}

const ACTION_BY_VERB: ReadonlyArray<[RegExp, AuditAction]> = [
  [/^(create|add|insert|new|register)/, 'CREATE'],
  [/^(delete|remove|destroy|archive|trash)/, 'DELETE'],
  [/^(restore|undelete|unarchive)/, 'RESTORE'],
  [/^merge/, 'MERGE'],
  [/^convert/, 'CONVERT'],
  [/^(assign|reassign)/, 'ASSIGN'],
];
const VERB =
  /^(create|add|insert|new|register|update|edit|set|change|rename|modify|patch|upsert|delete|remove|destroy|archive|trash|restore|undelete|unarchive|merge|convert|assign|reassign)/;

/** The action a mutation's name implies (`createLead`: CREATE, `deleteLead`: DELETE); UPDATE otherwise. */
export function actionOf(fieldName: string): AuditAction {
  const name = fieldName.toLowerCase();
  return ACTION_BY_VERB.find(([verb]) => verb.test(name))?.[1] ?? 'UPDATE';
}

interface Entity {
  type: string;
  id: string;
  /** The record's own scalar fields, as the resolver returned them. */
  snapshot: Record<string, unknown>;
}

/**
 * An Apollo Server plugin recording each mutation's effect as an audit event: the record from
 * the result (type and id), the action from the mutation's name, the diff from `auditChange`
 * (or, for a create or delete, the record itself), the actor and request details from
 * `identify`. The mutation waits only for a copy of its record's fields: the events are built
 * after its response (`AuditClient.recordLater`) and sent in batches, never waiting for the audit
 * subgraph; no error of the plugin reaches it.
 */
export function auditPlugin<TContext extends BaseContext>(
  options: AuditPluginOptions<TContext>,
): ApolloServerPlugin<TContext> {
  const { client, recordFailures = false } = options;
  const sourceHeader = (options.sourceHeader ?? 'x-audit-source').toLowerCase();
  return {
    async requestDidStart() {
      return {
        async executionDidStart(request) {
          if (request.operation?.operation !== 'mutation') return;
          let identity: AuditIdentity | null | undefined;
          const identityOf = () => (identity === undefined ? (identity = identify(request)) : identity);
          const identify = (req: GraphQLRequestContext<TContext>): AuditIdentity | null => {
            const given = options.identify(req);
            if (!given) return null;
            const headers = req.request.http?.headers;
            const header = headers?.get(sourceHeader)?.toUpperCase();
            const source = AUDIT_SOURCES.find((s) => s === header) ?? given.source ?? 'API';
            return {
              ...given,
              ipAddress: given.ipAddress ?? headers?.get('x-forwarded-for')?.split(',')[0]?.trim() ?? null,
              userAgent: given.userAgent ?? headers?.get('user-agent') ?? null,
              sessionId: given.sessionId ?? headers?.get('x-session-id') ?? null,
              source,
            };
          };
          return {
            willResolveField({ info, args, contextValue }) {
              if (info.path.prev !== undefined) return;
              const action =
                options.actions?.[info.fieldName] === undefined
                  ? actionOf(info.fieldName)
                  : options.actions[info.fieldName];
              if (action === null) return;
              const notesBefore = notesOf(contextValue).length;
              return (error, result) => {
                if (error && !recordFailures) return;
                try {
                  // The record's fields are copied now (they may change once the response is sent);
                  // the events are built after it.
                  const results = error ? [] : entitiesOf(info.returnType, result);
                  const notes = notesOf(contextValue, notesBefore);
                  const { fieldName } = info;
                  client.recordLater(() => {
                    const who = identityOf();
                    if (!who) return [];
                    return eventsOf(fieldName, args, results, action, notes).map((draft) => ({
                      ...draft,
                      actor: who.actor,
                      tenantId: who.tenantId,
                      ipAddress: who.ipAddress,
                      userAgent: who.userAgent,
                      sessionId: who.sessionId,
                      source: who.source,
                      metadata: {
                        ...(request.operationName ? { operation: request.operationName } : {}),
                        mutation: fieldName,
                        ...(error ? { failed: true, error: errorCode(error) } : {}),
                        ...draft.metadata,
                      },
                    }));
                  });
                } catch (failure) {
                  // Recorded nothing; the mutation goes on as if the plugin were not there.
                  client.reportFailure(failure);
                }
              };
            },
          };
        },
      };
    },
  };
}

type EventPart = Omit<AuditEventDraft, 'actor'>;

function eventsOf(
  fieldName: string,
  args: Record<string, unknown>,
  results: Entity[],
  action: AuditAction,
  notes: AuditChange[],
): EventPart[] {
  const entities: Array<Partial<Entity>> = results.length > 0 ? results : [fromArguments(fieldName, args)];
  const events: EventPart[] = [];
  const unmatched = [...notes];
  for (const entity of entities) {
    const noteIndex = unmatched.findIndex(
      (note) =>
        (note.entityId === undefined || note.entityId === entity.id) &&
        (note.entityType === undefined || note.entityType === entity.type),
    );
    const note = noteIndex >= 0 ? unmatched.splice(noteIndex, 1)[0] : undefined;
    const eventAction = note?.action ?? action;
    events.push({
      action: eventAction,
      entityType: entity.type ?? null,
      entityId: entity.id ?? null,
      ...snapshotsOf(eventAction, note, entity.snapshot),
      metadata: note?.metadata,
    });
  }
  for (const note of unmatched)
    events.push({
      action: note.action ?? action,
      entityType: note.entityType ?? null,
      entityId: note.entityId ?? null,
      ...snapshotsOf(note.action ?? action, note, undefined),
      metadata: note.metadata,
    });
  return events;
}

/** The helper's before/after; without it, a create shows the new record and a delete the record removed. */
function snapshotsOf(
  action: AuditAction,
  note: AuditChange | undefined,
  snapshot: Record<string, unknown> | undefined,
) {
  if (note && (note.before !== undefined || note.after !== undefined))
    return { before: note.before ?? null, after: note.after ?? null };
  if (snapshot && action === 'CREATE') return { before: null, after: snapshot };
  if (snapshot && action === 'DELETE') return { before: snapshot, after: null };
  return {};
}

/** The records a mutation returned: the result itself, each item of a list, or the records of a payload type. */
function entitiesOf(type: GraphQLOutputType, result: unknown): Entity[] {
  if (result == null) return [];
  if (isNonNullType(type)) return entitiesOf(type.ofType, result);
  if (isListType(type)) return Array.isArray(result) ? result.flatMap((item) => entitiesOf(type.ofType, item)) : [];
  if (typeof result !== 'object') return [];
  const record = result as Record<string, unknown>;
  const named = getNamedType(type);
  const typeName = isAbstractType(named) ? (record.__typename as string | undefined) : named.name;
  if (typeName && hasId(record)) return [{ type: typeName, id: String(record.id), snapshot: scalarsOf(record) }];
  if (!isObjectType(named)) return [];
  return payloadFields(named).flatMap((field) => entitiesOf(field.type, record[field.name]));
}

function payloadFields(type: GraphQLObjectType) {
  return Object.values(type.getFields()).filter((field) => {
    const named = getNamedType(field.type);
    return isObjectType(named) || isAbstractType(named);
  });
}

function hasId(record: Record<string, unknown>): boolean {
  return typeof record.id === 'string' || typeof record.id === 'number';
}

/** A mutation returning no record (`deleteLead(id: ID!): Boolean`): the type from its name, the id from its arguments. */
function fromArguments(fieldName: string, args: Record<string, unknown>): Partial<Entity> {
  const noun = fieldName.replace(VERB, '');
  const input = args.input as Record<string, unknown> | undefined;
  const id = args.id ?? input?.id;
  return {
    type: /^[A-Z][A-Za-z0-9_]*$/.test(noun) ? noun : undefined,
    id: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined,
  };
}

/** A record's own values (text, numbers, flags, dates and lists of them), not its relations. */
function scalarsOf(record: Record<string, unknown>): Record<string, unknown> {
  const scalars: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === '__typename') continue;
    if (value instanceof Date) scalars[key] = value.toISOString();
    else if (isScalar(value) || (Array.isArray(value) && value.every(isScalar))) scalars[key] = value;
  }
  return scalars;
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function errorCode(error: Error): string {
  const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
  return typeof code === 'string' ? code : error.name;
}
