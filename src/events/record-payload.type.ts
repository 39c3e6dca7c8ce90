import { Field, Int, ObjectType } from 'type-graphql';
import { AuditEvent } from './audit-event.type';

@ObjectType()
export class RecordAuditEventsPayload {
  @Field(() => Int, { description: 'Events stored by this call.' }) recorded!: number;
  @Field(() => Int, { description: 'Events whose id was already stored with the same content.' }) duplicates!: number;
  @Field(() => Int, {
    description:
      'VIEW and REPORT_RUN events of personal records counted into coalesced events (one per actor, record and window, written when the window closes), not stored one by one.',
  })
  coalesced!: number;
  @Field(() => [AuditEvent], {
    description: 'Every event of the batch stored or found stored, in input order; coalesced reads are not listed.',
  })
  events!: AuditEvent[];
}
