import type { Knex } from '@mikro-orm/postgresql';
import type { PersonalFields, PersonalFieldSource } from '../events/redaction';

/** The fields each tenant marked personal, read from `personal_fields` (through `fallback` unless given a handle). */
export function personalFieldSource(fallback: Knex): PersonalFieldSource {
  return {
    async of(tenantId, knex = fallback): Promise<PersonalFields> {
      const rows: Array<{ entity_type: string; field: string }> = await knex
        .select('entity_type', 'field')
        .from('personal_fields')
        .where('tenant_id', tenantId);
      const byType = new Map<string, string[]>();
      for (const row of rows) byType.set(row.entity_type, [...(byType.get(row.entity_type) ?? []), row.field]);
      return byType;
    },
  };
}
