import { AuditPermission } from '../auth/permissions';
import { can } from '../auth/rules';
import type { AuditModule } from '../core/module';
import { LiveEventsResolver } from './live-events.resolver';
import { startLiveFeed } from './live-feed';
import { liveSettings } from './live-options';

/** `auditEventRecorded`: filtered, resumable feeds over WebSocket, fanned out across replicas. */
export const liveModule: AuditModule = {
  name: 'live',
  resolvers: [LiveEventsResolver],
  rules: { Subscription: { auditEventRecorded: can(AuditPermission.READ_EVENTS) } },
  settings: liveSettings,
  start: startLiveFeed,
};
