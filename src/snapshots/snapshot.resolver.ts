import { noteAccess } from '../events/access-note';
import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { BadUserInputError } from '../errors';
import { crmEntityClasses, type CrmRecord } from '../history/crm-entities';
import { CRM_ENTITY_TYPES, type CrmEntityType } from '../history/crm-entity-types';
import { DateTimeScalar } from '../schema/scalars';
import type { RequestContext } from '../core/context';
import { foldTimeline } from './record-state';
import { TIMELINE_LOADER } from './timeline.loader';
import { diffStates, toSnapshot } from './snapshot-views';
import { FieldDiff, RecordSnapshot } from './snapshot.types';

function snapshotResolver(name: CrmEntityType) {
  @Resolver(() => crmEntityClasses[name])
  class SnapshotResolver {
    @FieldResolver(() => RecordSnapshot, {
      nullable: true,
      description: `This ${name} as the audit log saw it at \`at\`: each field's value as of the last change at or before then. Null with a FORBIDDEN error for callers who may not read the audit log.`,
    })
    async auditSnapshot(
      @Root() record: CrmRecord,
      @Ctx() context: RequestContext,
      @Arg('at', () => DateTimeScalar, { description: 'The instant to look at.' }) at: Date,
    ): Promise<RecordSnapshot> {
      noteAccess(context, { target: `${name}/${record.id}`, field: 'auditSnapshot' });
      const events = await context.loader(TIMELINE_LOADER).load({ entityType: name, id: record.id, upTo: at });
      return toSnapshot(foldTimeline(events, at), at);
    }

    @FieldResolver(() => [FieldDiff], {
      nullable: true,
      description: `The fields of this ${name} whose values differ between \`from\` and \`to\`, with both values. Null with a FORBIDDEN error for callers who may not read the audit log.`,
    })
    async auditDiff(
      @Root() record: CrmRecord,
      @Ctx() context: RequestContext,
      @Arg('to', () => DateTimeScalar, { description: 'The later instant.' }) to: Date,
      @Arg('from', () => DateTimeScalar, { description: 'The earlier instant.' }) from: Date,
    ): Promise<FieldDiff[]> {
      if (from > to) throw new BadUserInputError('from', 'must not be after `to`');
      noteAccess(context, { target: `${name}/${record.id}`, field: 'auditDiff' });
      const events = await context.loader(TIMELINE_LOADER).load({ entityType: name, id: record.id, upTo: to });
      return diffStates(foldTimeline(events, from), foldTimeline(events, to));
    }
  }
  return SnapshotResolver;
}

export const snapshotResolvers = CRM_ENTITY_TYPES.map(snapshotResolver);
