import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { AuditActor } from '../events/audit-event.type';
import { DateTimeScalar, JSONScalar } from '../schema/scalars';

export enum RecordSnapshotStatus {
  UNKNOWN = 'UNKNOWN',
  PRESENT = 'PRESENT',
  DELETED = 'DELETED',
}

registerEnumType(RecordSnapshotStatus, {
  name: 'AuditRecordSnapshotStatus',
  description: 'What the audit log knows of a record at an instant.',
  valuesConfig: {
    UNKNOWN: { description: 'No event of the record occurred by then.' },
    PRESENT: { description: 'The record existed then.' },
    DELETED: { description: 'The record had been deleted then (and not restored).' },
  },
});

@ObjectType('AuditSnapshotField', {
  description: 'A field’s value as of a snapshot’s instant, and the change that set it.',
})
export class SnapshotField {
  @Field(() => String, { description: 'The field, nested fields as dotted paths (`address.city`).' }) field!: string;
  @Field(() => JSONScalar, { nullable: true, description: 'The value the last change at or before the instant set.' })
  value!: unknown;
  @Field(() => DateTimeScalar, { description: 'When that change occurred.' }) setAt!: Date;
  @Field(() => AuditActor, { description: 'Who made that change.' }) setBy!: AuditActor;
  @Field(() => ID, { description: 'The event that recorded that change.' }) eventId!: string;
}

@ObjectType('AuditRecordSnapshot', {
  description: 'A record as the audit log saw it at an instant. Fields the log never saw are absent.',
})
export class RecordSnapshot {
  @Field(() => DateTimeScalar, { description: 'The instant asked for.' }) at!: Date;
  @Field(() => RecordSnapshotStatus, { description: 'Whether the record existed, was deleted, or was unknown then.' })
  status!: RecordSnapshotStatus;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When a DELETED record was deleted.' })
  deletedAt!: Date | null;
  @Field(() => AuditActor, { nullable: true, description: 'Who deleted a DELETED record.' })
  deletedBy!: AuditActor | null;
  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'The last event of the record at or before the instant.',
  })
  lastEventAt!: Date | null;
  @Field(() => [SnapshotField], {
    description: 'Every field some change had set by then, sorted by name. A deleted record keeps its last values.',
  })
  fields!: SnapshotField[];
}

@ObjectType('AuditFieldDiff', { description: 'A field whose value differs between two instants.' })
export class FieldDiff {
  @Field(() => String, { description: 'The field, nested fields as dotted paths.' }) field!: string;
  @Field(() => JSONScalar, { nullable: true, description: 'Its value at `from` (null when not yet set).' })
  fromValue!: unknown;
  @Field(() => JSONScalar, { nullable: true, description: 'Its value at `to`.' }) toValue!: unknown;
  @Field(() => Boolean, { description: 'False when no change had set the field by `from`.' }) setAtFrom!: boolean;
  @Field(() => DateTimeScalar, { description: 'When the change that gave `toValue` occurred.' }) changedAt!: Date;
  @Field(() => AuditActor, { description: 'Who made the change that gave `toValue`.' }) changedBy!: AuditActor;
}
