import { randomUUID } from 'node:crypto';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { SEALED_VALUES } from '../core/sealed-values';
import { tenantOf, type RequestContext } from '../core/context';
import { AuditError, BadUserInputError, ErrorCode } from '../errors';
import { withConfigChange } from '../events/config-change';
import { redactionOf } from '../events/redaction';
import { tenantHead } from '../live/read-new-events';
import { keepStoredCredentials } from '../net/outbound-url';
import { checkSearchVisible } from '../reading/personal-criteria';
import { testStream } from './stream-test';
import { streamLag } from './stream-lag';
import { getStream, listStreams, streamSnapshot, toAuditStream } from './stream.repository';
import { StreamSchema, type StreamEntity } from './stream.entity';
import { AuditStream, AuditStreamInput, StreamTestResult } from './stream.type';
import { checkStreamInput, SECRET_REQUIRED, type CheckedStreamInput } from './stream-validation';
import { STREAMS_RUNTIME } from './streams-runtime';

const knexOf = (em: EntityManager): Knex => em.getTransactionContext<Knex.Transaction>() ?? em.getKnex();

/**
 * Whether the stream delivers masked events: as asked, else as the caller reads them. A caller
 * without READ_PERSONAL_DATA can neither stream personal data nor select events by it.
 * @throws AuditError FORBIDDEN naming `input.maskPersonalData` or `input.match`.
 */
async function streamMasking(context: RequestContext, input: AuditStreamInput, match: string | null): Promise<boolean> {
  const redaction = await redactionOf(context);
  if (redaction && input.maskPersonalData === false)
    throw new AuditError(
      ErrorCode.Forbidden,
      'input.maskPersonalData: your role may not read personal data (READ_PERSONAL_DATA), so it may not stream it',
      { argument: 'input.maskPersonalData' },
    );
  checkSearchVisible(match, redaction, 'input.match');
  return input.maskPersonalData ?? redaction !== null;
}

/** Every change is stored with its CONFIG_CHANGE event, in one transaction; secrets go in sealed and never come out. */
@Resolver()
export class AuditStreamsResolver {
  @Query(() => [AuditStream], { description: 'The tenant’s streams to SIEMs, with their lag (ADMIN only).' })
  async auditStreams(@Ctx() context: RequestContext): Promise<AuditStream[]> {
    const streams = await listStreams(context.em(), tenantOf(context));
    return Promise.all(streams.map((stream) => this.present(context, stream)));
  }

  @Mutation(() => AuditStream, { description: 'Adds a stream; recorded as CONFIG_CHANGE.' })
  async createAuditStream(
    @Ctx() context: RequestContext,
    @Arg('input', () => AuditStreamInput) input: AuditStreamInput,
  ): Promise<AuditStream> {
    const runtime = context.services.get(STREAMS_RUNTIME);
    const checked = await checkStreamInput(input, context.services.outbound, { creating: true });
    const maskPersonalData = await streamMasking(context, input, checked.match);
    const tenantId = tenantOf(context);
    const stream = await withConfigChange(context, async (em) => {
      const id = randomUUID();
      const start = checked.startAfterSequence ?? (await tenantHead(knexOf(em), tenantId)).toString();
      const now = new Date();
      const created = em.create(StreamSchema, {
        tenantId,
        id,
        name: checked.name,
        kind: checked.kind,
        endpoint: checked.endpoint,
        format: checked.format,
        match: checked.match,
        maskPersonalData,
        enabled: checked.enabled,
        secret: checked.secret === undefined ? null : runtime.secrets.seal(checked.secret, tenantId, id),
        options: checked.options,
        deliveredThroughSequence: start,
        lastDeliveredAt: null,
        lastError: null,
        consecutiveFailures: 0,
        failing: false,
        deliveredEvents: '0',
        failedAttempts: '0',
        nextAttemptAt: now,
        leaseOwner: null,
        leaseUntil: null,
        createdAt: now,
        updatedAt: now,
      });
      return {
        result: created,
        entityType: 'AuditStream',
        entityId: id,
        operation: 'createAuditStream',
        before: null,
        after: streamSnapshot(created),
      };
    });
    runtime.changed();
    return this.present(context, stream);
  }

  @Mutation(() => AuditStream, {
    description: 'Replaces a stream’s settings; an omitted secret is kept. A FAILING stream is retried at once.',
  })
  async updateAuditStream(
    @Ctx() context: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => AuditStreamInput) input: AuditStreamInput,
  ): Promise<AuditStream> {
    const runtime = context.services.get(STREAMS_RUNTIME);
    // Before the transaction: no row stays locked while DNS answers.
    const checked = await checkStreamInput(input, context.services.outbound, { creating: false });
    const maskPersonalData = await streamMasking(context, input, checked.match);
    const tenantId = tenantOf(context);
    const stream = await withConfigChange(context, async (em) => {
      const stored = await getStream(em, tenantId, id);
      const before = streamSnapshot(stored);
      this.apply(stored, checked, (secret) => runtime.secrets.seal(secret, tenantId, stored.id));
      stored.maskPersonalData = maskPersonalData;
      return {
        result: stored,
        entityType: 'AuditStream',
        entityId: stored.id,
        operation: 'updateAuditStream',
        before,
        after: streamSnapshot(stored),
        note: checked.secret === undefined ? null : 'secret replaced',
      };
    });
    runtime.changed();
    return this.present(context, stream);
  }

  @Mutation(() => Boolean, { description: 'Deletes a stream; what it delivered stays delivered.' })
  async deleteAuditStream(@Ctx() context: RequestContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    const runtime = context.services.get(STREAMS_RUNTIME);
    const deleted = await withConfigChange(context, async (em) => {
      const stored = await getStream(em, tenantOf(context), id);
      const before = streamSnapshot(stored);
      em.remove(stored);
      return {
        result: true,
        entityType: 'AuditStream',
        entityId: stored.id,
        operation: 'deleteAuditStream',
        before,
        after: null,
      };
    });
    runtime.changed();
    return deleted;
  }

  @Mutation(() => StreamTestResult, {
    description: 'Sends one test record (not an audit event) to the stream’s sink and reports its answer.',
  })
  async testAuditStream(@Ctx() context: RequestContext, @Arg('id', () => ID) id: string): Promise<StreamTestResult> {
    const runtime = context.services.get(STREAMS_RUNTIME);
    const stream = await getStream(context.em(), tenantOf(context), id);
    return testStream(stream, {
      secrets: runtime.secrets,
      allowList: context.services.outbound,
      timeoutMs: runtime.timeoutMs,
    });
  }

  private apply(stored: StreamEntity, checked: CheckedStreamInput, seal: (secret: string) => string): void {
    if (SECRET_REQUIRED.has(checked.kind) && checked.secret === undefined && stored.secret === null)
      throw new BadUserInputError('input.secret', `is required for ${checked.kind}`);
    stored.name = checked.name;
    stored.kind = checked.kind;
    // A masked URL sent back unchanged keeps the stored credentials.
    stored.endpoint = keepStoredCredentials(checked.endpoint, stored.endpoint) ?? checked.endpoint;
    stored.format = checked.format;
    stored.match = checked.match;
    stored.enabled = checked.enabled;
    stored.options = checked.options;
    if (checked.secret !== undefined) stored.secret = seal(checked.secret);
    if (checked.startAfterSequence !== null) stored.deliveredThroughSequence = checked.startAfterSequence;
    stored.consecutiveFailures = 0;
    stored.failing = false;
    stored.nextAttemptAt = new Date();
    stored.updatedAt = new Date();
  }

  private async present(context: RequestContext, stream: StreamEntity): Promise<AuditStream> {
    return toAuditStream(stream, await streamLag(context.services.reads, context.services.get(SEALED_VALUES), stream));
  }
}
