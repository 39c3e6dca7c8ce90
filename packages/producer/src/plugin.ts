import type {
  ApolloServerPlugin,
  BaseContext,
  GraphQLRequestContext,
  GraphQLRequestExecutionListener,
} from '@apollo/server';
import {
  defaultFieldResolver,
  getNamedType,
  isAbstractType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
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

/** Records one root mutation field: called as it starts, it returns what to call with its outcome. */
type MutationRecorder = (
  info: GraphQLResolveInfo,
  args: Record<string, unknown>,
  contextValue: object,
) => ((error: unknown, result?: unknown) => void) | undefined;

/** The recorders of the mutations being executed, by their request's context value: the wrapped resolvers' lookup. */
const recordersByContext = new WeakMap<object, MutationRecorder[]>();
/** Whether each schema's mutation fields could be wrapped (a field whose `resolve` cannot be replaced: false). */
const schemaWrapped = new WeakMap<GraphQLSchema, boolean>();
/** Fields already wrapped, once whatever their schema and however many servers or plugins use them. */
const wrappedFields = new WeakSet<GraphQLField<unknown, unknown>>();

/**
 * Wraps the resolver of each field of the schema's mutation type (graphql's default resolver
 * where it has none), once: the wrapper records the field for the plugins registered on the
 * request's context value, and is the original resolver otherwise.
 * @returns false when a field's `resolve` cannot be replaced (a frozen schema): the plugin then
 *   falls back to Apollo's `willResolveField`.
 */
function wrapMutationResolvers(schema: GraphQLSchema): boolean {
  let wrapped = schemaWrapped.get(schema);
  if (wrapped !== undefined) return wrapped;
  wrapped = true;
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    if (wrappedFields.has(field)) continue;
    const recording = recordingResolver(field.resolve ?? defaultFieldResolver);
    try {
      field.resolve = recording;
    } catch {
      // A frozen field (strict mode throws): no wrapping for this schema.
    }
    if (field.resolve === recording) wrappedFields.add(field);
    else wrapped = false;
  }
  schemaWrapped.set(schema, wrapped);
  return wrapped;
}

function recordingResolver(original: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> {
  return function (this: unknown, source, args, contextValue, info) {
    const recorders =
      typeof contextValue === 'object' && contextValue !== null && info.path.prev === undefined
        ? recordersByContext.get(contextValue)
        : undefined;
    if (!recorders) return original.call(this, source, args, contextValue, info);
    const finishes = recorders.map((recorder) => recorder(info, args, contextValue as object));
    const finish = (error: unknown, result?: unknown) => finishes.forEach((done) => done?.(error, result));
    let result: unknown;
    try {
      result = original.call(this, source, args, contextValue, info);
    } catch (error) {
      finish(error);
      throw error;
    }
    const settled = Array.isArray(result) && result.some(isPromiseLike) ? Promise.all(result) : result;
    if (isPromiseLike(settled))
      settled.then(
        (value) => finish(null, value),
        (error: unknown) => finish(error),
      );
    else finish(null, result);
    return result;
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * An Apollo Server plugin recording each mutation's effect as an audit event: the record from
 * the result (type and id), the action from the mutation's name, the diff from `auditChange`
 * (or, for a create or delete, the record itself), the actor and request details from
 * `identify`. The mutation waits only for a copy of its record's fields: the events are built
 * after its response (`AuditClient.recordLater`) and sent in batches, never waiting for the audit
 * subgraph; no error of the plugin reaches it.
 *
 * Only the root fields of the schema's mutation type are instrumented: their resolvers are wrapped
 * once, when the server starts (or when a request first runs on a schema loaded since), and queries
 * run untouched. Apollo's `willResolveField`, which would make Apollo wrap every field of the schema
 * for every operation, is used only when the mutation fields cannot be replaced (a frozen schema).
 * Without a `resolve` of its own, a mutation field is wrapped around graphql's default resolver
 * (the server's `fieldResolver` option no longer applies to it). On a gateway, which executes by
 * query plans and not by the schema's resolvers, it records nothing.
 */
export function auditPlugin<TContext extends BaseContext>(
  options: AuditPluginOptions<TContext>,
): ApolloServerPlugin<TContext> {
  const { client, recordFailures = false } = options;
  const sourceHeader = (options.sourceHeader ?? 'x-audit-source').toLowerCase();
  const identify = (request: GraphQLRequestContext<TContext>): AuditIdentity | null => {
    const given = options.identify(request);
    if (!given) return null;
    const headers = request.request.http?.headers;
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

  const actionByField = new Map<string, AuditAction | null>();
  const actionFor = (fieldName: string): AuditAction | null => {
    let action = actionByField.get(fieldName);
    if (action === undefined) {
      action = options.actions?.[fieldName] === undefined ? actionOf(fieldName) : options.actions[fieldName];
      actionByField.set(fieldName, action);
    }
    return action;
  };

  /** The recorder of one mutation request's root fields. */
  const recorderOf = (request: GraphQLRequestContext<TContext>): MutationRecorder => {
    let identity: AuditIdentity | null | undefined;
    const identityOf = () => (identity === undefined ? (identity = identify(request)) : identity);
    return (info, args, contextValue) => {
      const action = actionFor(info.fieldName);
      if (action === null) return undefined;
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
    };
  };

  return {
    async serverWillStart({ schema }) {
      wrapMutationResolvers(schema);
    },
    async requestDidStart() {
      return {
        async executionDidStart(request): Promise<GraphQLRequestExecutionListener<TContext> | undefined> {
          if (request.operation?.operation !== 'mutation') return;
          const record = recorderOf(request);
          if (!wrapMutationResolvers(request.schema))
            return {
              willResolveField({ info, args, contextValue }) {
                return info.path.prev === undefined ? record(info, args, contextValue) : undefined;
              },
            };
          const context = request.contextValue;
          const recorders = recordersByContext.get(context);
          if (recorders) recorders.push(record);
          else recordersByContext.set(context, [record]);
          return {
            async executionDidEnd() {
              const left = recordersByContext.get(context)?.filter((other) => other !== record);
              if (left?.length) recordersByContext.set(context, left);
              else recordersByContext.delete(context);
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

function errorCode(error: unknown): string {
  const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'Error';
}
