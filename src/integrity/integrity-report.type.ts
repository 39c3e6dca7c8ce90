import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'The outcome of re-walking a tenant’s hash chain.' })
export class IntegrityReport {
  @Field(() => Boolean, { description: 'True when every event checked matches its hash and none is missing.' })
  ok!: boolean;
  @Field(() => Int) eventsChecked!: number;
  @Field(() => String, { nullable: true, description: 'The first sequence that was altered, removed or out of place.' })
  firstBrokenSequence!: string | null;
  @Field(() => Int, {
    nullable: true,
    description:
      'The position of the first deletion record that was altered or removed (the deletion log is chained and signed).',
  })
  firstBrokenDeletionRecord!: number | null;
}
