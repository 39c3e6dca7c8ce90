import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar } from '../schema/scalars';

@ObjectType({
  simpleResolvers: true,
  description:
    'A signature over a tenant’s chain head (and its deletion log head), made on a schedule and at every retention run.',
})
export class AuditCheckpoint {
  @Field(() => ID) tenantId!: string;
  @Field(() => String) sequence!: string;
  @Field(() => String, { description: 'The chain hash of the event at `sequence`, hex.' }) hash!: string;
  @Field(() => DateTimeScalar) signedAt!: string;
  @Field(() => Int, { description: 'How many deletion records the tenant had when signed.' }) deletionRecords!: number;
  @Field(() => String, { description: 'The hash of the last of those deletion records, hex.' }) deletionHash!: string;
  @Field(() => String, { description: 'The `kid` of the signing key in /.well-known/audit-keys.json.' })
  keyId!: string;
  @Field(() => String, {
    description: 'Ed25519 over the canonical JSON (RFC 8785) of the other fields, base64url.',
  })
  signature!: string;
}
