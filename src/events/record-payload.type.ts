import { Field, Int, ObjectType } from 'type-graphql';
import { AuditEvent } from './audit-event.type';

@ObjectType()
export class RecordAuditEventsPayload {
  @Field(() => Int, { description: 'Events stored by this call.' }) recorded!: number;
  @Field(() => Int, { description: 'Events whose id was already stored with the same content.' }) duplicates!: number;
  @Field(() => [AuditEvent], { description: 'Every event of the batch, in input order.' }) events!: AuditEvent[];
}
