import { EntitySchema, type PrimaryKeyProp } from '@mikro-orm/core';
import type { StreamFormat, StreamKind } from './stream-enums';

/** Settings of a sink that are not secret (see AuditStreamOptions). */
export interface StreamOptions {
  tokenUrl?: string | null;
  clientId?: string | null;
  caCertificate?: string | null;
  splunkAck?: boolean | null;
  index?: string | null;
  sourceType?: string | null;
  category?: string | null;
}

/** A tenant's stream: its configuration (through MikroORM) and its delivery state (written by the delivery engine). */
export interface StreamEntity {
  [PrimaryKeyProp]?: ['tenantId', 'id'];
  tenantId: string;
  id: string;
  name: string;
  kind: StreamKind;
  endpoint: string;
  format: StreamFormat;
  match: string | null;
  /** Delivered masked (as to a reader without READ_PERSONAL_DATA): asked for, or its last editor lacked that permission. */
  maskPersonalData: boolean;
  enabled: boolean;
  /** Ciphertext (StreamSecrets), never the secret. */
  secret: string | null;
  options: StreamOptions;
  deliveredThroughSequence: string;
  lastDeliveredAt: Date | null;
  lastError: string | null;
  consecutiveFailures: number;
  failing: boolean;
  deliveredEvents: string;
  failedAttempts: string;
  nextAttemptAt: Date;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const StreamSchema = new EntitySchema<StreamEntity>({
  name: 'StreamEntity',
  tableName: 'audit_streams',
  properties: {
    tenantId: { type: 'text', primary: true },
    id: { type: 'uuid', primary: true },
    name: { type: 'text' },
    kind: { type: 'text' },
    endpoint: { type: 'text' },
    format: { type: 'text' },
    match: { type: 'text', nullable: true },
    maskPersonalData: { type: 'boolean', default: false },
    enabled: { type: 'boolean' },
    secret: { type: 'text', nullable: true },
    options: { type: 'json' },
    deliveredThroughSequence: { type: 'bigint' },
    lastDeliveredAt: { type: 'datetime', nullable: true },
    lastError: { type: 'text', nullable: true },
    consecutiveFailures: { type: 'integer', default: 0 },
    failing: { type: 'boolean', default: false },
    deliveredEvents: { type: 'bigint', default: 0 },
    failedAttempts: { type: 'bigint', default: 0 },
    nextAttemptAt: { type: 'datetime', onCreate: () => new Date() },
    leaseOwner: { type: 'text', nullable: true },
    leaseUntil: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});
