import { Field, Float, ID, InputType } from 'type-graphql';
import { DateTimeScalar, JSONScalar } from '../schema/scalars';
import { ActorType, AuditAction, AuditSource } from './enums';
import './enums.graphql';

@InputType()
export class AuditActorInput {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) role?: string | null;
  @Field(() => ActorType, { defaultValue: ActorType.USER, nullable: true }) type?: ActorType | null;
  @Field(() => ID, { nullable: true }) impersonatorId?: string | null;
}

@InputType()
export class FieldChangeInput {
  @Field(() => String) field!: string;
  @Field(() => JSONScalar, { nullable: true }) oldValue?: unknown;
  @Field(() => JSONScalar, { nullable: true }) newValue?: unknown;
}

@InputType()
export class GeoLocationInput {
  @Field(() => String, { nullable: true }) country?: string | null;
  @Field(() => String, { nullable: true }) region?: string | null;
  @Field(() => String, { nullable: true }) city?: string | null;
  @Field(() => Float, { nullable: true }) latitude?: number | null;
  @Field(() => Float, { nullable: true }) longitude?: number | null;
}

@InputType({ description: 'One event to record. See the README for the size limits.' })
export class AuditEventInput {
  @Field(() => ID, { nullable: true, description: 'Producer-chosen UUID; the same id sent again is stored once.' })
  id?: string | null;
  @Field(() => ID, { nullable: true, description: 'SERVICE tokens only; defaults to the token’s org.' })
  tenantId?: string | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When it happened; defaults to arrival time.' })
  occurredAt?: Date | null;
  @Field(() => AuditActorInput) actor!: AuditActorInput;
  @Field(() => AuditAction) action!: AuditAction;
  @Field(() => String, { nullable: true }) entityType?: string | null;
  @Field(() => ID, { nullable: true }) entityId?: string | null;
  @Field(() => [FieldChangeInput], { nullable: true }) changes?: FieldChangeInput[] | null;
  @Field(() => JSONScalar, {
    nullable: true,
    description: 'With `after`, instead of `changes`: the diff is computed here.',
  })
  before?: unknown;
  @Field(() => JSONScalar, { nullable: true }) after?: unknown;
  @Field(() => AuditSource, { defaultValue: AuditSource.API, nullable: true }) source?: AuditSource | null;
  @Field(() => String, { nullable: true }) ipAddress?: string | null;
  @Field(() => String, { nullable: true }) userAgent?: string | null;
  @Field(() => String, { nullable: true }) sessionId?: string | null;
  @Field(() => GeoLocationInput, { nullable: true }) location?: GeoLocationInput | null;
  @Field(() => JSONScalar, {
    nullable: true,
    description:
      'Free-form context. For EXPORT, REPORT_EXPORT and BULK_* actions `recordCount` (Int) counts the records.',
  })
  metadata?: unknown;
}
