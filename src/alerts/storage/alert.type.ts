import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { AuditPageInfo } from '../../reading/connection.type';
import { DateTimeScalar } from '../../schema/scalars';
import { AlertSeverity, AlertStatus } from '../alert-enums';
import type { AlertEntity } from './alert.entity';

@Directive('@key(fields: "id")')
@ObjectType({ description: 'Raised by a rule; `rule` and `events` are resolved on demand.' })
export class AuditAlert {
  @Field(() => ID) id!: string;
  @Field(() => ID) tenantId!: string;
  @Field(() => AlertSeverity) severity!: AlertSeverity;
  @Field(() => AlertStatus, { description: 'OPEN, then ACKNOWLEDGED or RESOLVED.' }) status!: AlertStatus;
  @Field(() => DateTimeScalar) raisedAt!: Date;
  @Field(() => ID, { nullable: true, description: 'Whose behaviour raised it, when one actor did.' }) actorId!:
    string | null;
  @Field(() => String, {
    description:
      'One readable sentence; without READ_PERSONAL_DATA, one that names actors by id and no address, place or email.',
  })
  summary!: string;
  /** What `summary` reads as without READ_PERSONAL_DATA (see AlertsResolver.summary). */
  maskedSummary!: string;
  @Field(() => String, { nullable: true, description: 'The note given when it was last acknowledged or resolved.' })
  note!: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) acknowledgedAt!: Date | null;
  @Field(() => ID, { nullable: true }) acknowledgedBy!: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) resolvedAt!: Date | null;
  @Field(() => ID, { nullable: true }) resolvedBy!: string | null;
  ruleId!: string;
  serial!: string;
}

@ObjectType()
export class AuditAlertEdge {
  @Field(() => String) cursor!: string;
  @Field(() => AuditAlert) node!: AuditAlert;
}

@ObjectType({ description: 'Alerts newest first.' })
export class AuditAlertConnection {
  @Field(() => [AuditAlertEdge]) edges!: AuditAlertEdge[];
  @Field(() => AuditPageInfo) pageInfo!: AuditPageInfo;
}

/** The summary of an alert raised before masked summaries were kept, for readers shown masked data. */
export const SUMMARY_WITHHELD = 'Summary withheld: it may name personal data (raised before summaries were masked)';

export function toAuditAlert(entity: AlertEntity): AuditAlert {
  return {
    id: entity.id,
    tenantId: entity.tenantId,
    severity: entity.severity,
    status: entity.status,
    raisedAt: entity.raisedAt,
    actorId: entity.actorId,
    summary: entity.summary,
    maskedSummary: entity.maskedSummary ?? SUMMARY_WITHHELD,
    note: entity.note,
    acknowledgedAt: entity.acknowledgedAt,
    acknowledgedBy: entity.acknowledgedBy,
    resolvedAt: entity.resolvedAt,
    resolvedBy: entity.resolvedBy,
    ruleId: entity.ruleId,
    serial: String(entity.serial),
  };
}
