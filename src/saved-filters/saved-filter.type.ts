import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { AuditEventFilter } from '../reading/filter.input';
import { DateTimeScalar, JSONScalar } from '../schema/scalars';

@ObjectType('AuditSavedFilter', {
  description: 'A named filter and search an admin runs again; private to its owner unless shared.',
})
export class SavedFilter {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'Shown in lists; unique names are not enforced.' }) name!: string;
  @Field(() => ID, { description: 'The admin who created it; only they may rename, share or delete it.' })
  ownerId!: string;
  @Field(() => JSONScalar, { description: 'The AuditEventFilter it applies, as JSON (dates as ISO strings).' })
  filter!: Record<string, unknown>;
  @Field(() => String, { nullable: true, description: 'The structured search text it applies, ANDed with `filter`.' })
  search!: string | null;
  @Field(() => Boolean, { description: 'True when the tenant’s other admins may see and use it.' }) shared!: boolean;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => DateTimeScalar, { description: 'When it was last renamed or (un)shared.' }) updatedAt!: Date;
}

@InputType('AuditSavedFilterInput', { description: 'A filter to save. At least a filter or a search should be given.' })
export class SavedFilterInput {
  @Field(() => String, { description: '1 to 200 characters.' }) name!: string;
  @Field(() => AuditEventFilter, { nullable: true, description: 'The filter to save.' })
  filter?: AuditEventFilter | null;
  @Field(() => String, { nullable: true, description: 'The structured search text to save.' }) search?: string | null;
  @Field(() => Boolean, { defaultValue: false, nullable: true, description: 'Share with the tenant’s other admins.' })
  shared?: boolean | null;
}
