import type {
  ApolloServerPlugin,
  BaseContext,
  GraphQLRequestContext,
  GraphQLRequestExecutionListener,
  GraphQLRequestListener,
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
import { keep, kept } from './request-state';
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
  /** The record's own scalar fields, as the resolver returned them (only where an event may show them). */
  snapshot?: Record<string, unknown>;
}

/** Called with a root mutation field's outcome. */
type FinishCapture = (error: unknown, result?: unknown) => void;

/** One plugin's side of a wrapped mutation field: called as it starts, it returns what to call with its outcome. */
type MutationCapturer = (
  contextValue: object,
  info: GraphQLResolveInfo,
  args: Record<string, unknown>,
) => FinishCapture | undefined;

/** Per schema, the capturers of the plugins of the servers running it: the wrapped resolvers' lookup. */
const capturersBySchema = new WeakMap<GraphQLSchema, MutationCapturer[]>();
/** Whether each schema's mutation fields could be wrapped (a field whose `resolve` cannot be replaced: false). */
const schemaWrapped = new WeakMap<GraphQLSchema, boolean>();
/** Fields already wrapped, once whatever their schema and however many servers or plugins use them. */
const wrappedFields = new WeakSet<GraphQLField<unknown, unknown>>();

/**
 * Wraps the resolver of each field of the schema's mutation type (graphql's default resolver
 * where it has none), once: the wrapper hands the field to the capturers registered for the
 * schema, and is the original resolver otherwise.
 * @returns false when a field's `resolve` cannot be replaced (a frozen schema): the plugin then
 *   falls back to Apollo's `willResolveField`.
 */
function wrapMutationResolvers(schema: GraphQLSchema): boolean {
  let wrapped = schemaWrapped.get(schema);
  if (wrapped !== undefined) return wrapped;
  wrapped = true;
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    if (wrappedFields.has(field)) continue;
    const capturing = capturingResolver(field.resolve ?? defaultFieldResolver);
    try {
      field.resolve = capturing;
    } catch {
      // A frozen field (strict mode throws): no wrapping for this schema.
    }
    if (field.resolve === capturing) wrappedFields.add(field);
    else wrapped = false;
  }
  schemaWrapped.set(schema, wrapped);
  return wrapped;
}

function capturingResolver(original: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> {
  return function (this: unknown, source, args, contextValue, info) {
    const capturers =
      typeof contextValue === 'object' && contextValue !== null && info.path.prev === undefined
        ? capturersBySchema.get(info.schema)
        : undefined;
    const finishes: FinishCapture[] = [];
    for (const capture of capturers ?? []) {
      const finish = capture(contextValue as object, info, args);
      if (finish) finishes.push(finish);
    }
    if (finishes.length === 0) return original.call(this, source, args, contextValue, info);
    const finish: FinishCapture = (error, result) => finishes.forEach((done) => done(error, result));
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

/** A root mutation field as it ran, kept until its batch is built: no more than its events need. */
interface CapturedMutation {
  who: AuditIdentity;
  operationName: string | null | undefined;
  fieldName: string;
  returnType: GraphQLOutputType;
  args: Record<string, unknown>;
  action: AuditAction;
  /** Null when the resolver returned. */
  error: unknown;
  /** The resolver's result, unless `entities` holds what is needed of it. */
  result: unknown;
  /** The records of a create or delete, copied as the field finished. */
  entities: Entity[] | undefined;
  /** The request's `auditChange` notes, of which positions `notesFrom` to `notesTo` (excluded) are this field's. */
  notes: readonly AuditChange[] | undefined;
  notesFrom: number;
  notesTo: number;
}

/** Returned by `requestDidStart` as they are: a resolved promise made once rather than per request. */
const NO_LISTENER = Promise.resolve<void>(undefined);

/**
 * An Apollo Server plugin recording each mutation's effect as an audit event: the record from
 * the result (type and id), the action from the mutation's name, the diff from `auditChange`
 * (or, for a create or delete, the record itself), the actor and request details from
 * `identify`. What a mutation waits for is its capture: the request's identity (once per
 * request), references to its arguments, result and notes, and, for a create or delete, a copy
 * of the returned record's fields. The events are built, redacted and sent when their batch
 * leaves (`AuditClient.recordLater`), never waiting for the audit subgraph; no error of the plugin
 * reaches the mutation.
 *
 * Only the root fields of the schema's mutation type are instrumented: their resolvers are wrapped
 * once, when the server starts (or when a request first runs on a schema loaded since), and queries
 * run untouched; per request, the plugin only keeps the request on its context value
 * (`requestDidStart`). Apollo's `willResolveField`, which would make Apollo wrap every field of the
 * schema for every operation, is used only when the mutation fields cannot be replaced (a frozen
 * schema). Without a `resolve` of its own, a mutation field is wrapped around graphql's default
 * resolver (the server's `fieldResolver` option no longer applies to it). On a gateway, which
 * executes by query plans and not by the schema's resolvers, it records nothing.
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
    // Written out rather than `{ ...given, source }`, which took microseconds on Node 20.
    return {
      actor: given.actor,
      tenantId: given.tenantId,
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

  // This plugin's own keys (another plugin has its own): the request, kept on its context value
  // as it starts (what a wrapped resolver sees of it), and its identity, kept on the request.
  const REQUEST = Symbol('auditPlugin request');
  const IDENTITY = Symbol('auditPlugin identity');
  const identityOf = (request: GraphQLRequestContext<TContext>): AuditIdentity | null => {
    let who = kept<AuditIdentity | null>(request, IDENTITY);
    if (who === undefined) keep(request, IDENTITY, (who = identify(request)));
    return who;
  };

  const capture: MutationCapturer = (contextValue, info, args) => {
    const request = kept<GraphQLRequestContext<TContext>>(contextValue, REQUEST);
    if (!request) return undefined;
    const action = actionFor(info.fieldName);
    if (action === null) return undefined;
    const notesFrom = notesOf(contextValue)?.length ?? 0;
    return (error, result) => {
      if (error && !recordFailures) return;
      try {
        const who = identityOf(request);
        if (!who) return;
        const notes = notesOf(contextValue);
        const notesTo = notes?.length ?? 0;
        // The CRM may change the object it returned once the response is sent: what an event
        // shows of it is copied now.
        const entities =
          !error && showsRecord(action, notes, notesFrom, notesTo)
            ? entitiesOf(info.returnType, result, true)
            : undefined;
        recordLater({
          who,
          operationName: request.operationName,
          fieldName: info.fieldName,
          returnType: info.returnType,
          args,
          action,
          error,
          result: entities ? undefined : result,
          entities,
          notes,
          notesFrom,
          notesTo,
        });
      } catch (failure) {
        // Recorded nothing; the mutation goes on as if the plugin were not there.
        client.reportFailure(failure);
      }
    };
  };
  // Made here, so that what the client keeps until the batch leaves reaches the capture alone
  // (a closure made in `capture` would keep the request and resolve info as well).
  const recordLater = (captured: CapturedMutation) => client.recordLater(() => eventsOf(captured));

  /** Whether this plugin captures through the schema's wrapped resolvers (false: through `willResolveField`). */
  const wrappedFor = new WeakMap<GraphQLSchema, boolean>();
  const capturesThroughResolvers = (schema: GraphQLSchema): boolean => {
    let wrapped = wrappedFor.get(schema);
    if (wrapped === undefined) {
      wrapped = wrapMutationResolvers(schema);
      if (wrapped) capturersBySchema.set(schema, [...(capturersBySchema.get(schema) ?? []), capture]);
      wrappedFor.set(schema, wrapped);
    }
    return wrapped;
  };
  const fallback = Promise.resolve<GraphQLRequestListener<TContext>>({
    async executionDidStart(request): Promise<GraphQLRequestExecutionListener<TContext> | undefined> {
      if (request.operation?.operation !== 'mutation') return;
      return {
        willResolveField({ info, args, contextValue }) {
          return info.path.prev === undefined ? capture(contextValue, info, args) : undefined;
        },
      };
    },
  });

  return {
    async serverWillStart({ schema }) {
      capturesThroughResolvers(schema);
    },
    requestDidStart(request) {
      keep(request.contextValue, REQUEST, request);
      return capturesThroughResolvers(request.schema) ? NO_LISTENER : fallback;
    },
  };
}

/** The events of one captured mutation field, built when its batch leaves. */
function eventsOf(captured: CapturedMutation): AuditEventDraft[] {
  const { who, fieldName, action, error } = captured;
  const results = error ? [] : (captured.entities ?? entitiesOf(captured.returnType, captured.result, false));
  const entities: Array<Partial<Entity>> = results.length > 0 ? results : [fromArguments(fieldName, captured.args)];
  const unmatched = captured.notes?.slice(captured.notesFrom, captured.notesTo) ?? [];
  const event = (entity: Partial<Entity>, note: AuditChange | undefined): AuditEventDraft => {
    const metadata: Record<string, unknown> = captured.operationName
      ? { operation: captured.operationName, mutation: fieldName }
      : { mutation: fieldName };
    if (error) {
      metadata.failed = true;
      metadata.error = errorCode(error);
    }
    if (note?.metadata) Object.assign(metadata, note.metadata);
    const eventAction = note?.action ?? action;
    const draft: AuditEventDraft = {
      action: eventAction,
      entityType: entity.type ?? null,
      entityId: entity.id ?? null,
      actor: who.actor,
      tenantId: who.tenantId,
      ipAddress: who.ipAddress,
      userAgent: who.userAgent,
      sessionId: who.sessionId,
      source: who.source,
      metadata,
    };
    // The helper's before/after; without it, a create shows the new record and a delete the record removed.
    if (note && (note.before !== undefined || note.after !== undefined)) {
      draft.before = note.before ?? null;
      draft.after = note.after ?? null;
    } else if (entity.snapshot && eventAction === 'CREATE') {
      draft.before = null;
      draft.after = entity.snapshot;
    } else if (entity.snapshot && eventAction === 'DELETE') {
      draft.before = entity.snapshot;
      draft.after = null;
    }
    return draft;
  };
  const events: AuditEventDraft[] = [];
  for (const entity of entities) {
    const noteIndex = unmatched.findIndex(
      (note) =>
        (note.entityId === undefined || note.entityId === entity.id) &&
        (note.entityType === undefined || note.entityType === entity.type),
    );
    events.push(event(entity, noteIndex >= 0 ? unmatched.splice(noteIndex, 1)[0] : undefined));
  }
  for (const note of unmatched) events.push(event({ type: note.entityType, id: note.entityId }, note));
  return events;
}

/**
 * Whether an event of this field may show its returned record (a create's or delete's without
 * the helper's before/after): then its fields are copied as the field finishes.
 */
function showsRecord(
  action: AuditAction,
  notes: readonly AuditChange[] | undefined,
  from: number,
  to: number,
): boolean {
  if (action === 'CREATE' || action === 'DELETE') return true;
  for (let i = from; i < to; i++) if (notes![i].action === 'CREATE' || notes![i].action === 'DELETE') return true;
  return false;
}

/**
 * The records a mutation returned: the result itself, each item of a list, or the records of a
 * payload type; with a copy of their own fields when `withSnapshots`.
 */
function entitiesOf(type: GraphQLOutputType, result: unknown, withSnapshots: boolean): Entity[] {
  if (result == null) return [];
  if (isNonNullType(type)) return entitiesOf(type.ofType, result, withSnapshots);
  if (isListType(type))
    return Array.isArray(result) ? result.flatMap((item) => entitiesOf(type.ofType, item, withSnapshots)) : [];
  if (typeof result !== 'object') return [];
  const record = result as Record<string, unknown>;
  const named = getNamedType(type);
  const typeName = isAbstractType(named) ? (record.__typename as string | undefined) : named.name;
  if (typeName && hasId(record))
    return [{ type: typeName, id: String(record.id), snapshot: withSnapshots ? scalarsOf(record) : undefined }];
  if (!isObjectType(named)) return [];
  return payloadFields(named).flatMap((field) => entitiesOf(field.type, record[field.name], withSnapshots));
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
