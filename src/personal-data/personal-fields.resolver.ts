import type { Knex } from '@mikro-orm/postgresql';
import { Arg, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { announceAccessChange } from '../auth/access-change';
import { tenantOf, type RequestContext } from '../core/context';
import { BadUserInputError } from '../errors';
import { withConfigChange } from '../events/config-change';
import { PersonalFieldEntity } from './personal-field.entity';

@ObjectType('AuditPersonalFields', {
  simpleResolvers: true,
  description: 'The fields of one entity type marked personal.',
})
export class PersonalFields {
  @Field(() => String, { description: 'The entity type, as events name it (`Contact`).' }) entityType!: string;
  @Field(() => [String], { description: 'Field names as `changes` gives them; a field covers its dotted sub-fields.' })
  fields!: string[];
}

const MAX_FIELDS = 200;
const NAME = /^[^\s]{1,200}$/;

function checkNames(argument: string, names: readonly string[]): string[] {
  names.forEach((name, index) => {
    if (!NAME.test(name))
      throw new BadUserInputError(`${argument}[${index}]`, 'must be 1 to 200 characters, no spaces');
  });
  return [...new Set(names)].sort();
}

function grouped(rows: readonly PersonalFieldEntity[]): PersonalFields[] {
  const byType = new Map<string, string[]>();
  for (const row of rows) byType.set(row.entityType, [...(byType.get(row.entityType) ?? []), row.field]);
  return [...byType].map(([entityType, fields]) => ({ entityType, fields }));
}

@Resolver()
export class PersonalFieldsResolver {
  @Query(() => [PersonalFields], {
    description: 'The entity fields the tenant marked personal: without READ_PERSONAL_DATA their values read as null.',
  })
  async personalFields(@Ctx() context: RequestContext): Promise<PersonalFields[]> {
    const rows = await context
      .em()
      .find(PersonalFieldEntity, { tenantId: tenantOf(context) }, { orderBy: { entityType: 'asc', field: 'asc' } });
    return grouped(rows);
  }

  @Mutation(() => PersonalFields, {
    description:
      'Replaces the fields of `entityType` marked personal (an empty list unmarks them all); recorded as a ' +
      'CONFIG_CHANGE event with the old and new lists. Open subscriptions shown masked events end with PERMISSIONS_CHANGED.',
  })
  setPersonalFields(
    @Ctx() context: RequestContext,
    @Arg('entityType', () => String) entityType: string,
    @Arg('fields', () => [String]) fields: string[],
  ): Promise<PersonalFields> {
    const [type] = checkNames('entityType', [entityType]);
    if (fields.length > MAX_FIELDS) throw new BadUserInputError('fields', `may name at most ${MAX_FIELDS} fields`);
    const marked = checkNames('fields', fields);
    const admin = context.auth.principal!;
    return withConfigChange(context, async (em) => {
      const existing = await em.find(PersonalFieldEntity, { tenantId: admin.tenantId, entityType: type });
      const before = existing.map((row) => row.field).sort();
      for (const row of existing) if (!marked.includes(row.field)) em.remove(row);
      const now = new Date();
      for (const field of marked.filter((name) => !before.includes(name)))
        em.persist(
          em.create(PersonalFieldEntity, {
            tenantId: admin.tenantId,
            entityType: type,
            field,
            markedAt: now,
            markedBy: admin.subject,
          }),
        );
      await announceAccessChange(em.getTransactionContext<Knex.Transaction>()!, admin.tenantId);
      return {
        result: { entityType: type, fields: marked },
        entityType: 'PersonalFields',
        entityId: type,
        operation: 'set',
        before: { fields: before },
        after: { fields: marked },
      };
    });
  }
}
