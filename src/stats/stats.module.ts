import { isAdmin } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { SecurityOverviewResolver } from './security-overview.resolver';
import { StatsResolver } from './stats.resolver';

/** Counts over the log, and the security overview. */
export const statsModule: AuditModule = {
  name: 'stats',
  resolvers: [StatsResolver, SecurityOverviewResolver],
  rules: { Query: { auditStats: isAdmin, securityOverview: isAdmin } },
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
