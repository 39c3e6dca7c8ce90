import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AuditAction, AuditCategory, AuditSource } from '../events/enums';
import '../events/enums.graphql';
import { DateTimeScalar } from '../schema/scalars';

export enum AuditStatsDimension {
  ACTION = 'ACTION',
  CATEGORY = 'CATEGORY',
  ENTITY_TYPE = 'ENTITY_TYPE',
  ACTOR = 'ACTOR',
  SOURCE = 'SOURCE',
  IP_ADDRESS = 'IP_ADDRESS',
  COUNTRY = 'COUNTRY',
}

export enum StatsInterval {
  HOUR = 'HOUR',
  DAY = 'DAY',
  WEEK = 'WEEK',
}

registerEnumType(AuditStatsDimension, {
  name: 'AuditStatsDimension',
  description: 'What `auditStats` groups events by; each sets the matching field of its groups.',
});
registerEnumType(StatsInterval, {
  name: 'AuditStatsInterval',
  description: 'The length of the time buckets of `auditStats`, cut in the asked time zone (weeks start on Monday).',
});

@ObjectType({ description: 'The events sharing one value of each grouped dimension; the others are null.' })
export class AuditStatsGroup {
  @Field(() => Int, { description: 'How many events the group holds.' }) count!: number;
  @Field(() => DateTimeScalar, { nullable: true, description: 'Start of the time bucket, when an interval was asked.' })
  bucket!: Date | null;
  @Field(() => AuditAction, { nullable: true }) action!: string | null;
  @Field(() => AuditCategory, { nullable: true }) category!: string | null;
  @Field(() => String, { nullable: true }) entityType!: string | null;
  @Field(() => String, { nullable: true, description: 'The actor’s id.' }) actorId!: string | null;
  @Field(() => AuditSource, { nullable: true }) source!: string | null;
  @Field(() => String, { nullable: true }) ipAddress!: string | null;
  @Field(() => String, { nullable: true, description: 'The event location’s country.' }) country!: string | null;
}

@ObjectType({ description: 'Event counts grouped by dimensions and time buckets.' })
export class AuditStats {
  @Field(() => Int, { description: 'Every event that matched: the sum of all groups’ counts, also beyond `limit`.' })
  total!: number;
  @Field(() => [AuditStatsGroup], { description: 'Oldest bucket first, then largest count first.' })
  groups!: AuditStatsGroup[];
  @Field(() => Boolean, { description: 'True when more groups than `limit` matched.' }) truncated!: boolean;
  @Field(() => String, { description: 'The time zone buckets were cut in.' }) timeZone!: string;
}
