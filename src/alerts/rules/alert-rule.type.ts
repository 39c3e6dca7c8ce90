import { Field, ID, Int, ObjectType } from 'type-graphql';
import { AlertGroupBy, AlertSeverity } from '../alert-enums';
import { maskUrlCredentials } from '../../net/outbound-url';
import type { AlertRuleEntity } from './alert-rule.entity';

@ObjectType('AlertBusinessHours', { description: 'When `off-hours-access` considers a login in hours.' })
export class BusinessHoursType {
  @Field(() => [Int], { description: 'Weekdays, 1 (Monday) to 7 (Sunday).' }) days!: number[];
  @Field(() => String, { description: 'HH:MM, inclusive.' }) start!: string;
  @Field(() => String, { description: 'HH:MM, exclusive.' }) end!: string;
  @Field(() => String, { description: 'An IANA time zone, e.g. Europe/Paris.' }) timeZone!: string;
}

@ObjectType({ description: 'A detector: built-in (tunable) or custom (written in the search syntax).' })
export class AlertRule {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'The built-in rule’s name (e.g. `bulk-export`), or `custom-<id>`.' })
  key!: string;
  @Field(() => String) name!: string;
  @Field(() => Boolean) builtIn!: boolean;
  @Field(() => Boolean) enabled!: boolean;
  @Field(() => AlertSeverity) severity!: AlertSeverity;
  @Field(() => String, { nullable: true, description: 'Custom rules: which events count, in the search syntax.' })
  match!: string | null;
  @Field(() => Int) threshold!: number;
  @Field(() => Int) windowSeconds!: number;
  @Field(() => AlertGroupBy) groupBy!: AlertGroupBy;
  @Field(() => String, { nullable: true, description: 'Credentials in it (`user:pass@`) are shown as `***@`.' })
  webhookUrl!: string | null;
  @Field(() => Boolean, {
    description: 'True when its last editor lacked READ_PERSONAL_DATA: its webhook gets the masked summary.',
  })
  maskPersonalData!: boolean;
  @Field(() => BusinessHoursType, { nullable: true, description: 'Only for `off-hours-access`.' })
  businessHours!: BusinessHoursType | null;
}

export function toAlertRule(entity: AlertRuleEntity): AlertRule {
  return {
    id: entity.id,
    key: entity.key,
    name: entity.name,
    builtIn: entity.builtIn,
    enabled: entity.enabled,
    severity: entity.severity,
    match: entity.match,
    threshold: entity.threshold,
    windowSeconds: entity.windowSeconds,
    groupBy: entity.groupBy,
    webhookUrl: maskUrlCredentials(entity.webhookUrl),
    maskPersonalData: entity.maskPersonalData,
    businessHours: entity.settings.businessHours ?? null,
  };
}
