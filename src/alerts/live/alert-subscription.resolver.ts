import { AuditError, ErrorCode } from '../../errors';
import { Arg, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { AuditPermission, requirePermissions } from '../../auth/permissions';
import { accessOf, followAccess, revocationOf } from '../../events/redaction';
import type { LiveContext } from '../../live/live-operation';
import { AlertSeverity, SEVERITY_RANK } from '../alert-enums';
import { ALERT_HUB } from '../alerts-runtime';
import { AuditAlert } from '../storage/alert.type';
import type { AlertSubscriber } from './alert-subscriber';

/**
 * Ends with FORBIDDEN (or PERMISSIONS_CHANGED) when a role change takes from the caller what it was shown.
 * @throws UNAUTHENTICATED/FORBIDDEN for a caller without READ_ALERTS, and an error over HTTP.
 */
async function subscribeToAlerts({
  args,
  context,
}: SubscribeResolverData<unknown, { minSeverity?: AlertSeverity | null }, LiveContext>): Promise<AlertSubscriber> {
  if (!context.live)
    throw new AuditError(ErrorCode.NotServedHere, 'auditAlertRaised is served over WebSocket (graphql-transport-ws)');
  await requirePermissions(context, [AuditPermission.READ_ALERTS]);
  const started = await accessOf(context);
  const hub = context.services.get(ALERT_HUB);
  const principal = context.auth.principal!;
  const subscriber = await hub.subscribe(
    principal.tenantId,
    SEVERITY_RANK[args.minSeverity ?? AlertSeverity.LOW],
    principal.expiresAt * 1000,
  );
  const stopFollowing = followAccess(context, (now) => {
    const revoked = revocationOf(started, now, [AuditPermission.READ_ALERTS]);
    if (revoked) subscriber.revoke(revoked);
  });
  subscriber.onEnded(stopFollowing);
  return subscriber;
}

@Resolver()
export class AlertSubscriptionResolver {
  @Subscription(() => AuditAlert, {
    subscribe: subscribeToAlerts,
    description: 'The tenant’s alerts of at least `minSeverity`, as they are raised (READ_ALERTS).',
  })
  auditAlertRaised(
    @Root() alert: AuditAlert | AuditError,
    @Arg('minSeverity', () => AlertSeverity, { defaultValue: AlertSeverity.LOW, nullable: true })
    _minSeverity?: AlertSeverity | null,
  ): AuditAlert {
    if (alert instanceof AuditError) throw alert;
    return alert;
  }
}
