import { AuditError, ErrorCode } from '../../errors';
import { Arg, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { adminProblem } from '../../auth/admin-problem';
import type { LiveContext } from '../../live/live-operation';
import { AlertSeverity, SEVERITY_RANK } from '../alert-enums';
import { ALERT_HUB } from '../alerts-runtime';
import { AuditAlert } from '../storage/alert.type';
import type { AlertSubscriber } from './alert-subscriber';

/** @throws UNAUTHENTICATED/FORBIDDEN for a caller who is not an admin, and an error over HTTP. */
async function subscribeToAlerts({
  args,
  context,
}: SubscribeResolverData<unknown, { minSeverity?: AlertSeverity | null }, LiveContext>): Promise<AlertSubscriber> {
  if (!context.live)
    throw new AuditError(ErrorCode.NotServedHere, 'auditAlertRaised is served over WebSocket (graphql-transport-ws)');
  const problem = adminProblem(context.auth);
  if (problem) throw problem;
  const hub = context.services.get(ALERT_HUB);
  const principal = context.auth.principal!;
  return hub.subscribe(
    principal.tenantId,
    SEVERITY_RANK[args.minSeverity ?? AlertSeverity.LOW],
    principal.expiresAt * 1000,
  );
}

@Resolver()
export class AlertSubscriptionResolver {
  @Subscription(() => AuditAlert, {
    subscribe: subscribeToAlerts,
    description: 'The tenant’s alerts of at least `minSeverity`, as they are raised (ADMIN only).',
  })
  auditAlertRaised(
    @Root() alert: AuditAlert,
    @Arg('minSeverity', () => AlertSeverity, { defaultValue: AlertSeverity.LOW, nullable: true })
    _minSeverity?: AlertSeverity | null,
  ): AuditAlert {
    return alert;
  }
}
