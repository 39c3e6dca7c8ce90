import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../schema/scalars';
import { StreamFormat, StreamKind, StreamStatus } from './stream-enums';

@ObjectType('AuditStreamOptions', { description: 'The settings of a sink that are not secret.' })
export class StreamOptionsType {
  @Field(() => String, { nullable: true, description: 'SENTINEL: the Entra ID token endpoint (client credentials).' })
  tokenUrl!: string | null;
  @Field(() => String, { nullable: true, description: 'SENTINEL: the application (client) id.' })
  clientId!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'SYSLOG: the PEM certificate(s) the server’s is checked against.',
  })
  caCertificate!: string | null;
  @Field(() => Boolean, { nullable: true, description: 'SPLUNK_HEC: wait for the indexer acknowledgement.' })
  splunkAck!: boolean | null;
  @Field(() => String, { nullable: true, description: 'SPLUNK_HEC: the index events go to.' })
  index!: string | null;
  @Field(() => String, { nullable: true, description: 'SPLUNK_HEC: the sourcetype (default `_json`).' })
  sourceType!: string | null;
  @Field(() => String, { nullable: true, description: 'SUMO_LOGIC: the source category (`X-Sumo-Category`).' })
  category!: string | null;
}

@InputType('AuditStreamOptionsInput', { description: 'The settings of a sink that are not secret.' })
export class StreamOptionsInput {
  @Field(() => String, { nullable: true }) tokenUrl?: string | null;
  @Field(() => String, { nullable: true }) clientId?: string | null;
  @Field(() => String, { nullable: true }) caCertificate?: string | null;
  @Field(() => Boolean, { nullable: true }) splunkAck?: boolean | null;
  @Field(() => String, { nullable: true }) index?: string | null;
  @Field(() => String, { nullable: true }) sourceType?: string | null;
  @Field(() => String, { nullable: true }) category?: string | null;
}

@ObjectType({ description: 'A stream of the tenant’s audit log to a SIEM: at least once, in sequence order.' })
export class AuditStream {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => StreamKind) kind!: StreamKind;
  @Field(() => String, { description: 'Credentials in it (`user:pass@`) are shown as `***@`.' }) endpoint!: string;
  @Field(() => StreamFormat) format!: StreamFormat;
  @Field(() => String, { nullable: true, description: 'Which events, in the search syntax; null: all.' })
  match!: string | null;
  @Field(() => Boolean, {
    description:
      'Events are delivered masked, as a reader without READ_PERSONAL_DATA sees them (personal values null, named in ' +
      '`redactedFields`).',
  })
  maskPersonalData!: boolean;
  @Field(() => Boolean) enabled!: boolean;
  @Field(() => StreamStatus) status!: StreamStatus;
  @Field(() => String, {
    nullable: true,
    description: 'Every matching event up to this sequence was acknowledged by the sink.',
  })
  deliveredThroughSequence!: string | null;
  @Field(() => Int, { description: 'Matching events recorded and not yet acknowledged.' }) lagEvents!: number;
  @Field(() => Float, { description: 'Age of the oldest matching event not yet acknowledged; 0 when none.' })
  lagSeconds!: number;
  @Field(() => DateTimeScalar, { nullable: true }) lastDeliveredAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Why the last attempt failed; null once one succeeds.' })
  lastError!: string | null;
  @Field(() => Float, { description: 'Events acknowledged by the sink since the stream was created.' })
  deliveredEvents!: number;
  @Field(() => Float, { description: 'Failed delivery attempts since the stream was created.' })
  failedAttempts!: number;
  @Field(() => Boolean, { description: 'Whether a secret is stored (it is never shown).' }) hasSecret!: boolean;
  @Field(() => StreamOptionsType) options!: StreamOptionsType;
}

@InputType({ description: 'A stream’s settings; `secret` is write-only.' })
export class AuditStreamInput {
  @Field(() => String) name!: string;
  @Field(() => StreamKind) kind!: StreamKind;
  @Field(() => String) endpoint!: string;
  @Field(() => StreamFormat, { defaultValue: StreamFormat.NATIVE, nullable: true }) format?: StreamFormat | null;
  @Field(() => String, { nullable: true, description: 'The search syntax; null streams everything.' })
  match?: string | null;
  @Field(() => Boolean, {
    nullable: true,
    description:
      'Deliver events masked as for a reader without READ_PERSONAL_DATA. Default (null): masked when the caller lacks ' +
      'READ_PERSONAL_DATA, whole otherwise; false by such a caller is FORBIDDEN.',
  })
  maskPersonalData?: boolean | null;
  @Field(() => String, {
    nullable: true,
    description: 'Write-only: the sink’s token or key, or the webhook’s HMAC key. Omitted on update: kept.',
  })
  secret?: string | null;
  @Field(() => Boolean, { defaultValue: true, nullable: true }) enabled?: boolean | null;
  @Field(() => String, {
    nullable: true,
    description: 'Deliver the events after this sequence (`0`: the whole log). Default: events recorded from now on.',
  })
  startAfterSequence?: string | null;
  @Field(() => StreamOptionsInput, { nullable: true }) options?: StreamOptionsInput | null;
}

@ObjectType({ description: 'What the sink answered to one test record.' })
export class StreamTestResult {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => Int, { nullable: true, description: 'The HTTP status, for HTTP sinks.' }) status!: number | null;
  @Field(() => String, { nullable: true }) message!: string | null;
}
