import { Field, ObjectType } from 'type-graphql';
import { AuditEvent, FieldChange } from '../events/audit-event.type';

@ObjectType('AuditRevertResult', { description: 'A revert the owning subgraph applied.' })
export class RevertResult {
  @Field(() => AuditEvent, {
    description: 'The REVERT event recorded for it; `metadata.revertOf` is the reverted event’s id.',
  })
  event!: AuditEvent;
  @Field(() => [FieldChange], {
    description: 'Each reverted field: `oldValue` its value before the revert, `newValue` the value restored.',
  })
  revertedFields!: FieldChange[];
  @Field(() => Boolean, {
    description: 'True when fields that changed again since were reverted anyway (`force: true`).',
  })
  forced!: boolean;
}
