import { isAdmin } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { SAVED_CRITERIA } from '../reading/saved-criteria';
import { Migration20261122100000Investigations } from './migrations/Migration20261122100000_investigations';
import { Migration20261201000000TenantLeadingKeysSavedFilters } from './migrations/Migration20261201000000_tenant_leading_keys_saved_filters';
import { resolveSavedFilter } from './resolve-saved-filter';
import { SavedFilterEntity } from './saved-filter.entity';
import { SavedFilterMutationsResolver } from './saved-filter-mutations.resolver';
import { SavedFilterQueriesResolver } from './saved-filter-queries.resolver';

/** Named filters and searches an admin runs again, private or shared with the tenant's admins. */
export const savedFiltersModule: AuditModule = {
  name: 'saved-filters',
  resolvers: [SavedFilterQueriesResolver, SavedFilterMutationsResolver],
  rules: {
    Query: { savedFilters: isAdmin, savedFilter: isAdmin },
    Mutation: {
      createSavedFilter: isAdmin,
      renameSavedFilter: isAdmin,
      shareSavedFilter: isAdmin,
      deleteSavedFilter: isAdmin,
    },
  },
  openTypes: ['AuditSavedFilter'],
  entities: [SavedFilterEntity],
  migrations: [
    { name: 'Migration20261122100000_investigations', class: Migration20261122100000Investigations },
    {
      name: 'Migration20261201000000_tenant_leading_keys_saved_filters',
      class: Migration20261201000000TenantLeadingKeysSavedFilters,
    },
  ],
  async start({ services }) {
    services.provide(SAVED_CRITERIA, (tenantId, adminId, id, argument) =>
      resolveSavedFilter(services.knex, tenantId, adminId, id, argument),
    );
  },
};
