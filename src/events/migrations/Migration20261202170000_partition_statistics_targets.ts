import { Migration } from '@mikro-orm/migrations';

/**
 * A new month partition takes the statistics targets set on `audit_events`' columns: PostgreSQL
 * applies `ALTER TABLE … SET STATISTICS` to the partitions that exist, but `CREATE TABLE … PARTITION
 * OF` starts every column at the default, so a month created later would be planned from coarser
 * statistics than the months before it.
 */
export class Migration20261202170000PartitionStatisticsTargets extends Migration {
  override async up(): Promise<void> {
    await this.execute(`
      CREATE OR REPLACE FUNCTION audit_ensure_partition(at timestamptz) RETURNS text LANGUAGE plpgsql AS $$
      DECLARE
        month_start timestamp := date_trunc('month', at AT TIME ZONE 'UTC');
        partition_name text := 'audit_events_' || to_char(month_start, 'YYYY_MM');
        target record;
      BEGIN
        IF to_regclass(partition_name) IS NULL THEN
          PERFORM pg_advisory_xact_lock(hashtext('audit_events_partitions'));
          IF to_regclass(partition_name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
              partition_name, month_start AT TIME ZONE 'UTC', (month_start + interval '1 month') AT TIME ZONE 'UTC');
            FOR target IN
              SELECT attname, attstattarget FROM pg_attribute
              WHERE attrelid = 'audit_events'::regclass AND attnum > 0 AND NOT attisdropped AND attstattarget >= 0
            LOOP
              EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET STATISTICS %s',
                partition_name, target.attname, target.attstattarget);
            END LOOP;
          END IF;
        END IF;
        RETURN partition_name;
      END $$`);
  }
}
