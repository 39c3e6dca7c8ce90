import { EntitySchema } from '@mikro-orm/core';

/** Per tenant, the last sequence whose events the detectors have evaluated. */
export interface AlertCheckpointEntity {
  tenantId: string;
  lastSequence: string;
  evaluatedAt: Date;
}

export const AlertCheckpointSchema = new EntitySchema<AlertCheckpointEntity>({
  name: 'AlertCheckpointEntity',
  tableName: 'alert_checkpoints',
  properties: {
    tenantId: { type: 'string', primary: true },
    lastSequence: { type: 'bigint' },
    evaluatedAt: { type: 'datetime' },
  },
});
