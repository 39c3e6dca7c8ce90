import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../core/context';
import { savedFilterScope } from './saved-filter-context';
import { findVisibleFilter, listVisibleFilters } from './saved-filter.repository';
import { SavedFilter } from './saved-filter.type';

@Resolver(() => SavedFilter)
export class SavedFilterQueriesResolver {
  @Query(() => [SavedFilter], {
    description: 'The caller’s own saved filters and those the tenant’s other admins shared, newest first.',
  })
  savedFilters(@Ctx() context: RequestContext): Promise<SavedFilter[]> {
    const { em, viewer } = savedFilterScope(context);
    return listVisibleFilters(em, viewer);
  }

  @Query(() => SavedFilter, { nullable: true, description: 'One saved filter the caller may use, or null.' })
  savedFilter(
    @Ctx() context: RequestContext,
    @Arg('id', () => ID, { description: 'The saved filter’s id.' }) id: string,
  ): Promise<SavedFilter | null> {
    const { em, viewer } = savedFilterScope(context);
    return findVisibleFilter(em, viewer, id);
  }
}
