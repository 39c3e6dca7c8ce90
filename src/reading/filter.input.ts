import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { AuditAction, AuditCategory, AuditSource } from '../events/enums';
import '../events/enums.graphql';
import { DateTimeScalar } from '../schema/scalars';
import { DateRangePreset } from './date-range-preset';
import type { EventFilter } from './event-filter';

registerEnumType(DateRangePreset, {
  name: 'DateRangePreset',
  description: 'A window ending now (TODAY: since 00:00 UTC).',
});

@InputType({ description: 'Every given field is ANDed; a list matches any of its values.' })
export class AuditEventFilter implements EventFilter {
  @Field(() => DateTimeScalar, { nullable: true, description: 'occurredAt at or after this.' }) from?: Date;
  @Field(() => DateTimeScalar, { nullable: true, description: 'occurredAt at or before this.' }) to?: Date;
  @Field(() => DateRangePreset, { nullable: true }) preset?: DateRangePreset;
  @Field(() => [ID], { nullable: true }) actorIds?: string[];
  @Field(() => [AuditAction], { nullable: true }) actions?: string[];
  @Field(() => [AuditCategory], { nullable: true }) categories?: string[];
  @Field(() => [String], { nullable: true }) entityTypes?: string[];
  @Field(() => [ID], { nullable: true }) entityIds?: string[];
  @Field(() => [AuditSource], { nullable: true }) sources?: string[];
  @Field(() => String, { nullable: true, description: 'An exact address or a CIDR range.' }) ip?: string;
  @Field(() => String, { nullable: true, description: 'Events that changed this field.' }) field?: string;
}

@InputType({ description: 'Narrows a record’s history; every given field is ANDed.' })
export class RecordHistoryFilter {
  @Field(() => [String], { nullable: true, description: 'Events that changed any of these fields.' }) fields?: string[];
  @Field(() => [AuditAction], { nullable: true }) actions?: string[];
  @Field(() => [AuditSource], { nullable: true }) sources?: string[];
  @Field(() => DateTimeScalar, { nullable: true }) from?: Date;
  @Field(() => DateTimeScalar, { nullable: true }) to?: Date;
}

/** Nulls from GraphQL variables mean "not given". */
export function toEventFilter(input: AuditEventFilter | RecordHistoryFilter | null | undefined): EventFilter {
  if (!input) return {};
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value != null));
}
