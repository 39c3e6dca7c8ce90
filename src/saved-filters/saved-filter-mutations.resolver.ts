import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { BadUserInputError } from '../errors';
import { toEventFilter } from '../reading/filter.input';
import type { RequestContext } from '../core/context';
import { withConfigChange } from '../events/config-change';
import { savedFilterChange, savedFilterFields, type SavedFilterOperation } from './saved-filter-audit';
import { checkSavedCriteria } from './saved-filter-codec';
import { savedFilterScope } from './saved-filter-context';
import type { SavedFilterEntity } from './saved-filter.entity';
import { findOwnFilter, insertFilter } from './saved-filter.repository';
import { SavedFilter, SavedFilterInput } from './saved-filter.type';

/** Every change is stored together with its CONFIG_CHANGE event, in one transaction. */
@Resolver(() => SavedFilter)
export class SavedFilterMutationsResolver {
  @Mutation(() => SavedFilter, { description: 'Saves a filter, private to the caller unless `input.shared`.' })
  async createSavedFilter(
    @Ctx() context: RequestContext,
    @Arg('input', () => SavedFilterInput, { description: 'What to save.' }) input: SavedFilterInput,
  ): Promise<SavedFilter> {
    const { viewer } = savedFilterScope(context);
    const criteria = { filter: toEventFilter(input.filter), search: input.search ?? null };
    if (!input.name.trim() || input.name.length > 200)
      throw new BadUserInputError('input.name', 'must hold 1 to 200 characters');
    checkSavedCriteria(context.services, criteria);
    return withConfigChange(context, async (em) => {
      const saved = await insertFilter(em, viewer, { name: input.name, ...criteria, shared: input.shared ?? false });
      return savedFilterChange(saved, 'create', null, savedFilterFields(saved));
    });
  }

  @Mutation(() => SavedFilter, { description: 'Renames one of the caller’s saved filters.' })
  renameSavedFilter(
    @Ctx() context: RequestContext,
    @Arg('name', () => String, { description: 'The new name, 1 to 200 characters.' }) name: string,
    @Arg('id', () => ID, { description: 'The saved filter’s id.' }) id: string,
  ): Promise<SavedFilter> {
    if (!name.trim() || name.length > 200) throw new BadUserInputError('name', 'must hold 1 to 200 characters');
    return this.change(context, id, 'rename', (entity) => (entity.name = name.trim()));
  }

  @Mutation(() => SavedFilter, {
    description: 'Shares one of the caller’s saved filters with the tenant’s other admins, or stops sharing it.',
  })
  shareSavedFilter(
    @Ctx() context: RequestContext,
    @Arg('shared', () => Boolean, { defaultValue: true, description: 'False makes it private again.' }) shared: boolean,
    @Arg('id', () => ID, { description: 'The saved filter’s id.' }) id: string,
  ): Promise<SavedFilter> {
    return this.change(context, id, shared ? 'share' : 'unshare', (entity) => (entity.shared = shared));
  }

  @Mutation(() => Boolean, { description: 'Deletes one of the caller’s saved filters; true once deleted.' })
  async deleteSavedFilter(
    @Ctx() context: RequestContext,
    @Arg('id', () => ID, { description: 'The saved filter’s id.' }) id: string,
  ): Promise<boolean> {
    const { viewer } = savedFilterScope(context);
    return withConfigChange(context, async (em) => {
      const entity = await findOwnFilter(em, viewer, id);
      const before = savedFilterFields(entity);
      em.remove(entity);
      return { ...savedFilterChange(entity, 'delete', before, null), result: true };
    });
  }

  private async change(
    context: RequestContext,
    id: string,
    operation: SavedFilterOperation,
    apply: (entity: SavedFilterEntity) => void,
  ): Promise<SavedFilter> {
    const { viewer } = savedFilterScope(context);
    return withConfigChange(context, async (em) => {
      const entity = await findOwnFilter(em, viewer, id);
      const before = savedFilterFields(entity);
      apply(entity);
      entity.updatedAt = new Date();
      return savedFilterChange(entity, operation, before, savedFilterFields(entity));
    });
  }
}
