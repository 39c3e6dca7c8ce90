import type { Knex } from '@mikro-orm/postgresql';
import { AuditPermission, type Permissions, type RoleDirectory } from '../auth/permissions';
import type { FanoutListener } from '../live/fanout-transport';

const known = new Set<string>(Object.values(AuditPermission));

/** Tenant-defined roles read from the database on each request, and the watchers told of changes. */
export class StoredRoleDirectory implements RoleDirectory, FanoutListener {
  private readonly watchers = new Map<string, Set<() => void>>();

  constructor(private readonly knex: Knex) {}

  async customPermissions(tenantId: string, name: string): Promise<Permissions> {
    const row = await this.knex.first('permissions').from('audit_roles').where({ tenant_id: tenantId, name });
    return new Set((row?.permissions ?? []).filter((value: string) => known.has(value)) as AuditPermission[]);
  }

  watch(tenantId: string, changed: () => void): () => void {
    const tenantWatchers = this.watchers.get(tenantId) ?? new Set();
    tenantWatchers.add(changed);
    this.watchers.set(tenantId, tenantWatchers);
    return () => {
      tenantWatchers.delete(changed);
      if (tenantWatchers.size === 0 && this.watchers.get(tenantId) === tenantWatchers) this.watchers.delete(tenantId);
    };
  }

  onNotice({ heads }: { heads: Map<string, bigint> | 'all' }): void {
    if (heads === 'all') return this.onResync();
    for (const tenantId of heads.keys()) this.tell(tenantId);
  }

  /** Notices may have been lost while the listening connection was down: every watcher re-checks. */
  onResync(): void {
    for (const tenantId of this.watchers.keys()) this.tell(tenantId);
  }

  private tell(tenantId: string): void {
    for (const changed of this.watchers.get(tenantId) ?? []) changed();
  }
}
