import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { AuditPermission, BUILT_IN_ROLES, RESERVED_ROLE_NAMES } from '../auth/permissions';
import { announceAccessChange } from '../auth/access-change';
import { tenantOf, type RequestContext } from '../core/context';
import { BadUserInputError, NotFoundError } from '../errors';
import { withConfigChange } from '../events/config-change';
import { AuditRoleEntity } from './audit-role.entity';
import { AuditRole } from './audit-role.type';

/** A role name is a token claim: plain, bounded, and case-sensitive like the claim. */
const ROLE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

function checkRoleName(name: string): string {
  if (!ROLE_NAME.test(name))
    throw new BadUserInputError('name', 'must start with a letter and hold up to 64 letters, digits, "_", "." or "-"');
  if (RESERVED_ROLE_NAMES.includes(name))
    throw new BadUserInputError('name', `${name} is a built-in role and cannot be changed or deleted`);
  return name;
}

const builtInRoles = (): AuditRole[] =>
  Object.entries(BUILT_IN_ROLES).map(([name, permissions]) => ({ name, permissions: [...permissions], builtIn: true }));

const toRole = (entity: AuditRoleEntity): AuditRole => ({
  name: entity.name,
  permissions: entity.permissions as AuditPermission[],
  builtIn: false,
});

async function announce(em: EntityManager, tenantId: string): Promise<void> {
  await announceAccessChange(em.getTransactionContext<Knex.Transaction>()!, tenantId);
}

@Resolver()
export class AuditRolesResolver {
  @Query(() => [AuditRole], { description: 'The built-in roles, then the tenant’s own by name.' })
  async auditRoles(@Ctx() context: RequestContext): Promise<AuditRole[]> {
    const own = await context.em().find(AuditRoleEntity, { tenantId: tenantOf(context) }, { orderBy: { name: 'asc' } });
    return [...builtInRoles(), ...own.map(toRole)];
  }

  @Mutation(() => AuditRole, {
    description:
      'Creates or replaces one of the tenant’s roles; recorded as a CONFIG_CHANGE event with old and new permissions. ' +
      'Open subscriptions of its holders re-check their permissions.',
  })
  setAuditRole(
    @Ctx() context: RequestContext,
    @Arg('name', () => String, { description: 'The token `role` claim that gives these permissions.' }) name: string,
    @Arg('permissions', () => [AuditPermission]) permissions: AuditPermission[],
  ): Promise<AuditRole> {
    checkRoleName(name);
    const granted = [...new Set(permissions)].sort();
    const admin = context.auth.principal!;
    return withConfigChange(context, async (em) => {
      const existing = await em.findOne(AuditRoleEntity, { tenantId: admin.tenantId, name });
      const before = existing ? { permissions: [...existing.permissions] } : null;
      const entity = existing ?? em.create(AuditRoleEntity, { tenantId: admin.tenantId, name } as AuditRoleEntity);
      Object.assign(entity, { permissions: granted, updatedAt: new Date(), updatedBy: admin.subject });
      em.persist(entity);
      await announce(em, admin.tenantId);
      return {
        result: toRole(entity),
        entityType: 'AuditRole',
        entityId: name,
        operation: existing ? 'update' : 'create',
        before,
        after: { permissions: granted },
      };
    });
  }

  @Mutation(() => Boolean, {
    description:
      'Deletes one of the tenant’s roles (its holders keep no permission); recorded as a CONFIG_CHANGE event. ' +
      'Open subscriptions of its holders end with FORBIDDEN.',
  })
  deleteAuditRole(@Ctx() context: RequestContext, @Arg('name', () => String) name: string): Promise<boolean> {
    checkRoleName(name);
    const tenantId = tenantOf(context);
    return withConfigChange(context, async (em) => {
      const existing = await em.findOne(AuditRoleEntity, { tenantId, name });
      if (!existing) throw new NotFoundError('name', 'role');
      const before = { permissions: [...existing.permissions] };
      em.remove(existing);
      await announce(em, tenantId);
      return { result: true, entityType: 'AuditRole', entityId: name, operation: 'delete', before, after: null };
    });
  }
}
