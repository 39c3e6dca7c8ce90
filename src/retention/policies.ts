import type { Knex } from '@mikro-orm/postgresql';
import { AuditCategory } from '../events/enums';

/** Allowed range of a category's retainDays; `maxDays` null: indefinitely is allowed too. */
export interface RetentionRange {
  defaultDays: number;
  minDays: number;
  maxDays: number | null;
}

export const RETENTION_RANGES: Readonly<Record<AuditCategory, RetentionRange>> = {
  [AuditCategory.RECORD_CHANGE]: { defaultDays: 2555, minDays: 365, maxDays: 3650 },
  [AuditCategory.SECURITY]: { defaultDays: 730, minDays: 365, maxDays: 2555 },
  [AuditCategory.API_ACCESS]: { defaultDays: 365, minDays: 182, maxDays: 1825 },
  [AuditCategory.DATA_EXPORT]: { defaultDays: 2555, minDays: 1095, maxDays: 3650 },
  [AuditCategory.CONFIG]: { defaultDays: 3650, minDays: 1825, maxDays: null },
  [AuditCategory.BULK_OPERATION]: { defaultDays: 1825, minDays: 730, maxDays: 3650 },
  [AuditCategory.DATA_ACCESS]: { defaultDays: 365, minDays: 182, maxDays: 2555 },
};

export const DEFAULT_ARCHIVE_GRACE_DAYS = 90;
export const MAX_ARCHIVE_GRACE_DAYS = 3650;

export interface RetentionPolicyValues {
  category: AuditCategory;
  /** null: kept indefinitely. */
  retainDays: number | null;
  archiveGraceDays: number;
  minDays: number;
  maxDays: number | null;
}

function policyOf(category: AuditCategory, row?: { retain_days: number | null; archive_grace_days: number }) {
  const range = RETENTION_RANGES[category];
  return {
    category,
    retainDays: row ? row.retain_days : range.defaultDays,
    archiveGraceDays: row ? row.archive_grace_days : DEFAULT_ARCHIVE_GRACE_DAYS,
    minDays: range.minDays,
    maxDays: range.maxDays,
  };
}

/** Every category's policy for the tenant: its own where set, else the defaults. */
export async function tenantPolicies(knex: Knex, tenantId: string): Promise<RetentionPolicyValues[]> {
  const rows = await knex('retention_policies')
    .select('category', 'retain_days', 'archive_grace_days')
    .where('tenant_id', tenantId);
  const byCategory = new Map(rows.map((row) => [row.category, row]));
  return Object.values(AuditCategory).map((category) => policyOf(category, byCategory.get(category)));
}

export async function tenantPolicy(knex: Knex, tenantId: string, category: AuditCategory) {
  const row = await knex('retention_policies')
    .first('retain_days', 'archive_grace_days')
    .where({ tenant_id: tenantId, category })
    .forUpdate();
  return policyOf(category, row);
}

export async function storePolicy(
  trx: Knex.Transaction,
  tenantId: string,
  policy: RetentionPolicyValues,
  adminId: string,
): Promise<void> {
  await trx.raw(
    `INSERT INTO retention_policies (tenant_id, category, retain_days, archive_grace_days, updated_by)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, category) DO UPDATE SET retain_days = EXCLUDED.retain_days,
       archive_grace_days = EXCLUDED.archive_grace_days, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [tenantId, policy.category, policy.retainDays, policy.archiveGraceDays, adminId],
  );
}

/** Tenants with events, and their policies: what a scheduled run goes through. */
export async function tenantsWithEvents(knex: Knex): Promise<string[]> {
  const rows = await knex('audit_log_heads').select('tenant_id').where('last_sequence', '>', 0).orderBy('tenant_id');
  return rows.map((row) => row.tenant_id);
}
