import type { Knex } from '@mikro-orm/postgresql';

export const DEFAULT_TIME_ZONE = 'UTC';

/** The tenant's time zone: statistics and security overviews cut days and weeks in it. */
export async function tenantTimeZone(knex: Knex, tenantId: string): Promise<string> {
  const row = await knex.first('time_zone').from('tenant_settings').where('tenant_id', tenantId);
  return row?.time_zone ?? DEFAULT_TIME_ZONE;
}

/** Stores the tenant's time zone (already checked) inside the caller's transaction; returns the one it replaces. */
export async function storeTenantTimeZone(
  trx: Knex.Transaction,
  tenantId: string,
  timeZone: string,
  adminId: string,
): Promise<string> {
  const previous = await tenantTimeZone(trx, tenantId);
  await trx.raw(
    `INSERT INTO tenant_settings (tenant_id, time_zone, updated_by) VALUES (?, ?, ?)
     ON CONFLICT (tenant_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, updated_by = EXCLUDED.updated_by,
       updated_at = now()`,
    [tenantId, timeZone, adminId],
  );
  return previous;
}
