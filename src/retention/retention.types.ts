import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AuditCategory } from '../events/enums';
import '../events/enums.graphql';
import { DateTimeScalar } from '../schema/scalars';
import { AuditPageInfo } from '../reading/connection.type';

@ObjectType({ simpleResolvers: true, description: 'How long a category’s events are kept, live and then archived.' })
export class RetentionPolicy {
  @Field(() => AuditCategory) category!: AuditCategory;
  @Field(() => Int, { nullable: true, description: 'Days after occurredAt before archival; null: kept indefinitely.' })
  retainDays!: number | null;
  @Field(() => Int, { description: '0 to 3650: how long archived events stay searchable before deletion.' })
  archiveGraceDays!: number;
  @Field(() => Int, { description: 'The least retainDays allowed.' }) minDays!: number;
  @Field(() => Int, { nullable: true, description: 'The most retainDays allowed; null: indefinitely is allowed.' })
  maxDays!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'Keeps the events it matches out of archival and deletion.' })
export class LegalHold {
  @Field(() => ID) id!: string;
  @Field(() => String) reason!: string;
  @Field(() => String, { nullable: true, description: 'Search syntax; null holds the whole tenant.' })
  match!: string | null;
  @Field(() => DateTimeScalar) placedAt!: Date;
  @Field(() => ID) placedBy!: string;
  @Field(() => DateTimeScalar, { nullable: true }) releasedAt!: Date | null;
  @Field(() => ID, { nullable: true }) releasedBy!: string | null;
}

export enum DeletionReason {
  RETENTION = 'RETENTION',
  ERASURE = 'ERASURE',
}
registerEnumType(DeletionReason, { name: 'DeletionReason', description: 'Why events were deleted.' });

@ObjectType({ simpleResolvers: true, description: 'Events removed for good; the deletion log is never deleted.' })
export class DeletionRecord {
  @Field(() => ID) id!: string;
  @Field(() => ID) tenantId!: string;
  @Field(() => DeletionReason) reason!: DeletionReason;
  @Field(() => AuditCategory, { nullable: true }) category!: AuditCategory | null;
  @Field(() => Int) eventCount!: number;
  @Field(() => String) fromSequence!: string;
  @Field(() => String) toSequence!: string;
  @Field(() => DateTimeScalar) occurredFrom!: Date;
  @Field(() => DateTimeScalar) occurredTo!: Date;
  @Field(() => String, { description: 'Hex SHA-256 over the removed events’ hashes, in sequence order.' })
  digest!: string;
  @Field(() => DateTimeScalar, { nullable: true }) archivedAt!: Date | null;
  @Field(() => DateTimeScalar) deletedAt!: Date;
}

@ObjectType({ simpleResolvers: true })
export class DeletionRecordEdge {
  @Field(() => String) cursor!: string;
  @Field(() => DeletionRecord) node!: DeletionRecord;
}

@ObjectType({ simpleResolvers: true, description: 'Deletion records, newest first.' })
export class DeletionRecordConnection {
  @Field(() => [DeletionRecordEdge]) edges!: DeletionRecordEdge[];
  @Field(() => AuditPageInfo) pageInfo!: AuditPageInfo;
}

@ObjectType({ simpleResolvers: true, description: 'What one retention run did.' })
export class RetentionRun {
  @Field(() => Int, { description: 'Events moved from the live tables to the archive.' }) archived!: number;
  @Field(() => Int, { description: 'Archived events deleted after their grace period.' }) deleted!: number;
  @Field(() => Int, { description: 'Events past retention kept by a legal hold.' }) heldBack!: number;
}
