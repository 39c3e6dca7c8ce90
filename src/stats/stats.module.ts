import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { SecurityOverviewResolver } from './security-overview.resolver';
import { StatsResolver } from './stats.resolver';

/** Counts over the log, and the security overview. */
export const statsModule: AuditModule = {
  name: 'stats',
  resolvers: [StatsResolver, SecurityOverviewResolver],
  rules: {
    Query: {
      auditStats: can(AuditPermission.READ_EVENTS),
      // Per-user devices, IP addresses and login locations: personal data through and through.
      securityOverview: can(AuditPermission.READ_EVENTS, AuditPermission.READ_PERSONAL_DATA),
    },
  },
  openTypes: [
    'AuditStats',
    'AuditStatsGroup',
    'AuditSecurityOverview',
    'AuditDailyCount',
    'AuditUserDevices',
    'AuditLoginDevice',
    'AuditSessionTimeline',
    'AuditSessionEvent',
    'AuditLoginLocation',
  ],
};
