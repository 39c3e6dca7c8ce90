import { registerEnumType } from 'type-graphql';

export enum AlertSeverity {
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
  CRITICAL = 'CRITICAL',
}

export enum AlertStatus {
  OPEN = 'OPEN',
  ACKNOWLEDGED = 'ACKNOWLEDGED',
  RESOLVED = 'RESOLVED',
}

export enum AlertGroupBy {
  ACTOR = 'ACTOR',
  IP = 'IP',
  ENTITY = 'ENTITY',
  TENANT = 'TENANT',
}

/** Stored next to each alert so that `minSeverity` is one indexed comparison. */
export const SEVERITY_RANK: Record<AlertSeverity, number> = { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

registerEnumType(AlertSeverity, { name: 'AlertSeverity', description: 'How urgent an alert is, LOW to CRITICAL.' });
registerEnumType(AlertStatus, { name: 'AlertStatus', description: 'OPEN, then ACKNOWLEDGED or RESOLVED.' });
registerEnumType(AlertGroupBy, { name: 'AlertGroupBy', description: 'What a rule counts events per.' });
