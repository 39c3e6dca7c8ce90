import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AuditEvent } from '../../events/audit-event.type';
import { tenantOf, type RequestContext } from '../../core/context';
import { AlertSeverity, AlertStatus } from '../alert-enums';
import { withConfigChange } from '../../events/config-change';
import { redactEvent, redactionOf } from '../../events/redaction';
import { AlertNotFoundError } from '../alert-errors';
import { AlertRule, toAlertRule } from '../rules/alert-rule.type';
import { alertSnapshot, changeAlertStatus } from './alert-status-change';
import { AlertWebhookDelivery } from '../webhooks/webhook-delivery.type';
import { ALERT_LOADERS } from './alert-loaders';
import { AlertRepository, encodeAlertCursor } from './alert.repository';
import { AuditAlert, AuditAlertConnection, toAuditAlert } from './alert.type';

type Worked = AlertStatus.ACKNOWLEDGED | AlertStatus.RESOLVED;

@Resolver(() => AuditAlert)
export class AlertsResolver {
  @Query(() => AuditAlertConnection, { description: 'The tenant’s alerts, newest first (ADMIN only).' })
  async alerts(
    @Ctx() context: RequestContext,
    @Arg('status', () => AlertStatus, { nullable: true }) status?: AlertStatus | null,
    @Arg('minSeverity', () => AlertSeverity, { nullable: true }) minSeverity?: AlertSeverity | null,
    @Arg('first', () => Int, { defaultValue: 50, nullable: true }) first = 50,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<AuditAlertConnection> {
    const repository = new AlertRepository(context.em(), tenantOf(context));
    const rows = await repository.page({ status, minSeverity, first: first ?? 50, after });
    const edges = rows
      .slice(0, first ?? 50)
      .map((row) => ({ cursor: encodeAlertCursor(row.id), node: toAuditAlert(row) }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > edges.length,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  @Mutation(() => AuditAlert, { description: 'Recorded as CONFIG_CHANGE with the note.' })
  acknowledgeAlert(
    @Ctx() context: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('note', () => String, { nullable: true }) note?: string | null,
  ): Promise<AuditAlert> {
    return this.work(context, id, AlertStatus.ACKNOWLEDGED, note);
  }

  @Mutation(() => AuditAlert, { description: 'Recorded as CONFIG_CHANGE with the note.' })
  resolveAlert(
    @Ctx() context: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('note', () => String, { nullable: true }) note?: string | null,
  ): Promise<AuditAlert> {
    return this.work(context, id, AlertStatus.RESOLVED, note);
  }

  @FieldResolver(() => AlertRule)
  async rule(@Root() alert: AuditAlert, @Ctx() context: RequestContext): Promise<AlertRule> {
    const rule = await context.loader(ALERT_LOADERS).rules.load(alert.ruleId);
    if (!rule) throw new AlertNotFoundError('rule');
    return toAlertRule(rule);
  }

  @FieldResolver(() => String)
  async summary(@Root() alert: AuditAlert, @Ctx() context: RequestContext): Promise<string> {
    return (await redactionOf(context)) ? alert.maskedSummary : alert.summary;
  }

  @FieldResolver(() => [AuditEvent], { description: 'The events that raised it, in log order.' })
  async events(@Root() alert: AuditAlert, @Ctx() context: RequestContext): Promise<AuditEvent[]> {
    const [events, redaction] = await Promise.all([
      context.loader(ALERT_LOADERS).events.load(alert.id),
      redactionOf(context),
    ]);
    return events.map((event) => redactEvent(event, redaction));
  }

  @FieldResolver(() => AlertWebhookDelivery, {
    nullable: true,
    description: 'Its POST to the rule’s webhook: null when the rule had none when the alert was raised.',
  })
  webhookDelivery(@Root() alert: AuditAlert, @Ctx() context: RequestContext): Promise<AlertWebhookDelivery | null> {
    return context.loader(ALERT_LOADERS).deliveries.load(alert.id);
  }

  private work(context: RequestContext, id: string, status: Worked, note?: string | null): Promise<AuditAlert> {
    const caller = context.auth.principal!;
    return withConfigChange(context, async (em) => {
      const alert = await new AlertRepository(em, tenantOf(context)).get(id);
      const before = alertSnapshot(alert);
      changeAlertStatus(alert, status, caller.subject, note);
      const operation = status === AlertStatus.ACKNOWLEDGED ? 'acknowledgeAlert' : 'resolveAlert';
      return {
        result: toAuditAlert(alert),
        entityType: 'AuditAlert',
        entityId: alert.id,
        operation,
        before,
        after: alertSnapshot(alert),
        note,
      };
    });
  }
}
