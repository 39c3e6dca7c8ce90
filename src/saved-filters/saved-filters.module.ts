import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
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
    // Listing and running saved filters is reading the log; saving and changing them is not.
    Query: { savedFilters: can(AuditPermission.READ_EVENTS), savedFilter: can(AuditPermission.READ_EVENTS) },
    Mutation: {
      createSavedFilter: can(AuditPermission.MANAGE_SAVED_FILTERS),
      renameSavedFilter: can(AuditPermission.MANAGE_SAVED_FILTERS),
      shareSavedFilter: can(AuditPermission.MANAGE_SAVED_FILTERS),
      deleteSavedFilter: can(AuditPermission.MANAGE_SAVED_FILTERS),
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
