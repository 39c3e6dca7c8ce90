import { Field, InputType, Int } from 'type-graphql';
import { AlertGroupBy, AlertSeverity } from '../alert-enums';

@InputType('AlertBusinessHoursInput')
export class BusinessHoursInput {
  @Field(() => [Int], { defaultValue: [1, 2, 3, 4, 5], description: '1 (Monday) to 7 (Sunday).' }) days!: number[];
  @Field(() => String, { defaultValue: '08:00' }) start!: string;
  @Field(() => String, { defaultValue: '18:00' }) end!: string;
  @Field(() => String, { defaultValue: 'UTC', description: 'An IANA time zone.' }) timeZone!: string;
}

@InputType({
  description: 'A custom rule, or the tuning of a built-in one (whose `match` and `groupBy` are fixed and ignored).',
})
export class AlertRuleInput {
  @Field(() => String) name!: string;
  @Field(() => AlertSeverity) severity!: AlertSeverity;
  @Field(() => Boolean, { defaultValue: true, nullable: true }) enabled?: boolean | null;
  @Field(() => String, { description: 'The search syntax: which events count.' }) match!: string;
  @Field(() => Int, { defaultValue: 1, nullable: true, description: 'How many matching events ...' }) threshold?:
    number | null;
  @Field(() => Int, {
    defaultValue: 300,
    nullable: true,
    description: '... within this window, per groupBy value, raise one alert.',
  })
  windowSeconds?: number | null;
  @Field(() => AlertGroupBy, { defaultValue: AlertGroupBy.ACTOR, nullable: true }) groupBy?: AlertGroupBy | null;
  @Field(() => String, { nullable: true, description: 'Also POST each alert there, signed.' }) webhookUrl?:
    string | null;
  @Field(() => BusinessHoursInput, { nullable: true, description: 'Only for `off-hours-access`.' })
  businessHours?: BusinessHoursInput | null;
}
