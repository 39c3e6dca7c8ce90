import { ACCESS_CHANNEL } from '../auth/access-change';
import { AuditPermission, ROLE_DIRECTORY } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { PostgresFanout } from '../live/postgres-fanout';
import { AuditRoleEntity } from './audit-role.entity';
import { AuditRolesResolver } from './audit-roles.resolver';
import { Migration20261201120000AuditRoles } from './migrations/Migration20261201120000_audit_roles';
import { StoredRoleDirectory } from './role-directory';

/** Built-in and tenant-defined roles: the permissions a token's `role` claim gives. */
export const rolesModule: AuditModule = {
  name: 'roles',
  resolvers: [AuditRolesResolver],
  rules: {
    Query: { auditRoles: can(AuditPermission.MANAGE_ROLES) },
    Mutation: { setAuditRole: can(AuditPermission.MANAGE_ROLES), deleteAuditRole: can(AuditPermission.MANAGE_ROLES) },
  },
  openTypes: ['AuditRole'],
  entities: [AuditRoleEntity],
  migrations: [{ name: 'Migration20261201120000_audit_roles', class: Migration20261201120000AuditRoles }],
  async start({ db, services, logger }) {
    const directory = new StoredRoleDirectory(db.knex);
    services.provide(ROLE_DIRECTORY, directory);
    const changes = new PostgresFanout(
      db.orm.config.getClientUrl(),
      logger.child({ feature: 'roles' }),
      ACCESS_CHANNEL,
    );
    await changes.start(directory);
    return { stop: () => changes.stop() };
  },
};
