import { Directive, Field, Float, ID, ObjectType } from 'type-graphql';
import { DateTimeScalar, JSONScalar } from '../schema/scalars';
import { ActorType, AuditAction, AuditCategory, AuditSource } from './enums';
import './enums.graphql';

@ObjectType({ simpleResolvers: true, description: 'Who performed an action.' })
export class AuditActor {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => String, { nullable: true }) role!: string | null;
  @Field(() => ActorType) type!: ActorType;
  @Field(() => ID, { nullable: true, description: 'The user acting on behalf of the actor, when impersonating.' })
  impersonatorId!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'One field of a record before and after the action.' })
export class FieldChange {
  @Field(() => String, { description: 'The field, nested fields as dotted paths (`address.city`).' }) field!: string;
  @Field(() => JSONScalar, { nullable: true }) oldValue!: unknown;
  @Field(() => JSONScalar, { nullable: true }) newValue!: unknown;
}

@ObjectType({ simpleResolvers: true, description: 'Where an action came from.' })
export class GeoLocation {
  @Field(() => String, { nullable: true }) country?: string | null;
  @Field(() => String, { nullable: true }) region?: string | null;
  @Field(() => String, { nullable: true }) city?: string | null;
  @Field(() => Float, { nullable: true }) latitude?: number | null;
  @Field(() => Float, { nullable: true }) longitude?: number | null;
}

@Directive('@key(fields: "id")')
@ObjectType({ simpleResolvers: true, description: 'One immutable entry of a tenant’s audit log.' })
export class AuditEvent {
  @Field(() => ID) id!: string;
  @Field(() => ID) tenantId!: string;
  @Field(() => String, { description: 'Position in its tenant’s log: a decimal integer, rising in commit order.' })
  sequence!: string;
  @Field(() => DateTimeScalar, { description: 'When it happened (given by the producer, else arrival time).' })
  occurredAt!: Date;
  @Field(() => DateTimeScalar, { description: 'When this service stored it.' }) recordedAt!: Date;
  @Field(() => AuditActor) actor!: AuditActor;
  @Field(() => AuditAction) action!: AuditAction;
  @Field(() => AuditCategory, { description: 'Derived from the action.' }) category!: AuditCategory;
  @Field(() => String, { nullable: true }) entityType!: string | null;
  @Field(() => ID, { nullable: true }) entityId!: string | null;
  @Field(() => [FieldChange], { description: 'Field-level old and new values; empty when none.' })
  changes!: FieldChange[];
  @Field(() => AuditSource) source!: AuditSource;
  @Field(() => String, { nullable: true }) ipAddress!: string | null;
  @Field(() => String, { nullable: true }) userAgent!: string | null;
  @Field(() => String, { nullable: true }) sessionId!: string | null;
  @Field(() => GeoLocation, { nullable: true }) location!: GeoLocation | null;
  @Field(() => JSONScalar, { nullable: true }) metadata!: unknown;
  @Field(() => [String], {
    description:
      'The personal fields this caller cannot see, which read as null: `actorEmail`, `ipAddress`, `userAgent`, ' +
      '`location`, and `changes.<field>` for fields the tenant marks personal (see `personalFields`). Empty with READ_PERSONAL_DATA.',
  })
  redactedFields!: readonly string[];
}
