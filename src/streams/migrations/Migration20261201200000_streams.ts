import { Migration } from '@mikro-orm/migrations';

/**
 * Streams to SIEMs. The log is the outbox: `delivered_through_sequence` is the tenant sequence up to which every
 * matching event was acknowledged by the sink, advanced only after the acknowledgement. `lease_owner` and
 * `lease_until` name the replica delivering the stream; another takes it over once the lease has expired.
 * `secret` is AES-256-GCM ciphertext (src/streams/stream-secrets.ts), never the secret itself.
 */
export class Migration20261201200000Streams extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE audit_streams (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        name text NOT NULL,
        kind text NOT NULL,
        endpoint text NOT NULL,
        format text NOT NULL,
        match text,
        enabled boolean NOT NULL,
        secret text,
        options jsonb NOT NULL DEFAULT '{}',
        delivered_through_sequence bigint NOT NULL,
        last_delivered_at timestamptz,
        last_error text,
        consecutive_failures integer NOT NULL DEFAULT 0,
        failing boolean NOT NULL DEFAULT false,
        delivered_events bigint NOT NULL DEFAULT 0,
        failed_attempts bigint NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_owner text,
        lease_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX audit_streams_lease_idx ON audit_streams (lease_until) WHERE enabled;
    `);
  }
}
