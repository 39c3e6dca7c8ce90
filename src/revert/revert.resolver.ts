import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { tenantOf, type RequestContext } from '../core/context';
import { SEALED_VALUES } from '../core/sealed-values';
import { parseUuidArgument } from '../ids';
import { recordAdminEvent } from '../events/admin-event';
import { AuditAction } from '../events/enums';
import { redactChanges, redactEvent, redactionOf } from '../events/redaction';
import { writerOf } from '../events/record-events';
import { NotFoundError } from '../errors';
import { findEvent } from '../reading/event-reader';
import { changedSinceError } from './revert-errors';
import { planRevert } from './revert-plan';
import { sendRevertRequest } from './revert-request';
import { REVERT_SETTINGS } from './revert-settings';
import { RevertResult } from './revert.types';

@Resolver(() => RevertResult)
export class RevertResolver {
  @Mutation(() => RevertResult, {
    description:
      'Asks the subgraph that owns the event’s record to set `fields` back to their values before the event, through a signed request. ' +
      'On success records a REVERT event; on refusal (REVERT_REFUSED), timeout (REVERT_TIMEOUT), a missing or failing endpoint ' +
      '(REVERT_UNAVAILABLE), or fields changed again since (CONFLICT, unless `force`), records nothing.',
  })
  async revertAuditChange(
    @Ctx() context: RequestContext,
    @Arg('force', () => Boolean, { defaultValue: false, description: 'Revert even fields that changed again since.' })
    force: boolean,
    @Arg('fields', () => [String], {
      nullable: true,
      description: 'The fields to revert; all the event changed when omitted.',
    })
    fields: string[] | null,
    @Arg('eventId', () => ID, { description: 'The event whose changes to undo.' }) eventId: string,
  ): Promise<RevertResult> {
    const admin = context.auth.principal!;
    const { knex } = context.services;
    const event = await findEvent(
      knex,
      context.services.get(SEALED_VALUES),
      tenantOf(context),
      parseUuidArgument('eventId', eventId),
    );
    if (!event) throw new NotFoundError('eventId', 'event');
    const plan = await planRevert(knex, event, fields);
    if (plan.later.length > 0 && !force) throw changedSinceError(plan.later);

    const requestId = await sendRevertRequest(context.services.get(REVERT_SETTINGS), {
      tenantId: event.tenantId,
      entityType: event.entityType!,
      entityId: event.entityId!,
      revertOf: event.id,
      requestedBy: { id: admin.subject, email: admin.email },
      force,
      fields: plan.fields,
    });
    const revertedFields = plan.fields.map(({ field, value, current }) => ({
      field,
      oldValue: current,
      newValue: value,
    }));
    const recorded = await recordAdminEvent(writerOf(context.services), admin, {
      action: AuditAction.REVERT,
      entityType: event.entityType!,
      entityId: event.entityId!,
      changes: revertedFields,
      metadata: { revertOf: event.id, forced: plan.later.length > 0, requestId },
    });
    context.log.info(
      { revertOf: event.id, fields: plan.fields.map((f) => f.field), forced: force },
      'audit change reverted',
    );
    // The revert is done whatever the caller may read; what it is shown of it is masked like any read.
    const redaction = await redactionOf(context);
    return {
      event: redactEvent(recorded, redaction),
      revertedFields: redactChanges(event.entityType, revertedFields, redaction),
      forced: plan.later.length > 0,
    };
  }
}
