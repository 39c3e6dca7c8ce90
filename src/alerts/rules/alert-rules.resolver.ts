import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { BadUserInputError } from '../../errors';
import { tenantOf, type RequestContext } from '../../core/context';
import { withConfigChange } from '../../events/config-change';
import { redactionOf } from '../../events/redaction';
import { checkSearchVisible } from '../../reading/personal-criteria';
import { AlertRuleInput } from './alert-rule.input';
import { AlertRuleRepository, ruleSnapshot } from './alert-rule.repository';
import { AlertRule, toAlertRule } from './alert-rule.type';
import { applyRuleInput } from './apply-rule-input';
import { checkRuleInput, checkWebhookUrl } from './rule-validation';

/**
 * Whether the rule's webhook must get masked summaries: its editor lacks READ_PERSONAL_DATA. Such an
 * editor may not match on personal data either (whether an alert is raised would tell it).
 * @throws PersonalSearchForbiddenError naming `input.match`.
 */
async function editorMasking(context: RequestContext, input: AlertRuleInput): Promise<boolean> {
  const redaction = await redactionOf(context);
  checkSearchVisible(input.match, redaction, 'input.match');
  return redaction !== null;
}

@Resolver()
export class AlertRulesResolver {
  @Query(() => [AlertRule], {
    description: 'The seven built-in rules (tuned or not) and the custom ones (ADMIN only).',
  })
  async alertRules(@Ctx() context: RequestContext): Promise<AlertRule[]> {
    const rules = await new AlertRuleRepository(context.em(), tenantOf(context)).list();
    return rules.map(toAlertRule);
  }

  @Mutation(() => AlertRule, { description: 'Adds a custom rule; recorded as CONFIG_CHANGE.' })
  async createAlertRule(
    @Ctx() context: RequestContext,
    @Arg('input', () => AlertRuleInput) input: AlertRuleInput,
  ): Promise<AlertRule> {
    const checked = {
      ...checkRuleInput(input, { builtIn: false }),
      webhookUrl: await checkWebhookUrl(input.webhookUrl, context.services.outbound),
      maskPersonalData: await editorMasking(context, input),
    };
    return withConfigChange(context, async (em) => {
      const { businessHours: _ignored, ...values } = checked;
      const rule = new AlertRuleRepository(em, tenantOf(context)).create({ ...values, settings: {} });
      return {
        result: toAlertRule(rule),
        entityType: 'AlertRule',
        entityId: rule.id,
        operation: 'createAlertRule',
        before: null,
        after: ruleSnapshot(rule),
      };
    });
  }

  @Mutation(() => AlertRule, {
    description: 'Replaces a rule’s settings (a built-in rule keeps its match and groupBy).',
  })
  async updateAlertRule(
    @Ctx() context: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => AlertRuleInput) input: AlertRuleInput,
  ): Promise<AlertRule> {
    // Before the transaction: no row stays locked while DNS answers.
    const webhookUrl = await checkWebhookUrl(input.webhookUrl, context.services.outbound);
    const maskPersonalData = await editorMasking(context, input);
    return withConfigChange(context, async (em) => {
      const rule = await new AlertRuleRepository(em, tenantOf(context)).get(id);
      const before = ruleSnapshot(rule);
      applyRuleInput(rule, { ...checkRuleInput(input, { builtIn: rule.builtIn }), webhookUrl });
      rule.maskPersonalData = maskPersonalData;
      return {
        result: toAlertRule(rule),
        entityType: 'AlertRule',
        entityId: rule.id,
        operation: 'updateAlertRule',
        before,
        after: ruleSnapshot(rule),
      };
    });
  }

  @Mutation(() => AlertRule)
  setAlertRuleEnabled(
    @Ctx() context: RequestContext,
    @Arg('id', () => ID) id: string,
    @Arg('enabled', () => Boolean) enabled: boolean,
  ): Promise<AlertRule> {
    return withConfigChange(context, async (em) => {
      const rule = await new AlertRuleRepository(em, tenantOf(context)).get(id);
      const before = ruleSnapshot(rule);
      rule.enabled = enabled;
      rule.updatedAt = new Date();
      return {
        result: toAlertRule(rule),
        entityType: 'AlertRule',
        entityId: rule.id,
        operation: 'setAlertRuleEnabled',
        before,
        after: ruleSnapshot(rule),
      };
    });
  }

  @Mutation(() => Boolean, {
    description: 'Deletes a custom rule (its alerts stay). Built-in rules are disabled instead.',
  })
  deleteAlertRule(@Ctx() context: RequestContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return withConfigChange(context, async (em) => {
      const rule = await new AlertRuleRepository(em, tenantOf(context)).get(id);
      if (rule.builtIn)
        throw new BadUserInputError('id', 'names a built-in rule: disable it with setAlertRuleEnabled instead');
      const before = ruleSnapshot(rule);
      rule.deletedAt = new Date();
      rule.enabled = false;
      return {
        result: true,
        entityType: 'AlertRule',
        entityId: rule.id,
        operation: 'deleteAlertRule',
        before,
        after: ruleSnapshot(rule),
      };
    });
  }
}
