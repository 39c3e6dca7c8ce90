import { randomUUID } from 'node:crypto';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { maskUrlCredentials } from '../../net/outbound-url';
import { parseUuidArgument } from '../../ids';
import { AlertNotFoundError } from '../alert-errors';
import { AlertRuleSchema, type AlertRuleEntity } from './alert-rule.entity';
import { SYSTEM_RULE_PREFIX } from '../system-alerts';
import { BUILT_IN_RULES } from './built-in-rules';

/** The built-in rules are stored the first time a tenant is evaluated or its rules are read. */
export async function ensureBuiltInRules(knex: Knex, tenantId: string): Promise<void> {
  await knex.raw(
    `INSERT INTO alert_rules (id, tenant_id, key, name, built_in, enabled, severity, threshold, window_seconds, group_by, settings)
     SELECT v.id, ?, v.key, v.name, true, true, v.severity, v.threshold, v.window_seconds, v.group_by, v.settings
     FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::int[], ?::int[], ?::text[], ?::jsonb[])
       AS v(id, key, name, severity, threshold, window_seconds, group_by, settings)
     ON CONFLICT (tenant_id, key) DO NOTHING`,
    [
      tenantId,
      BUILT_IN_RULES.map(() => randomUUID()),
      BUILT_IN_RULES.map((rule) => rule.key),
      BUILT_IN_RULES.map((rule) => rule.name),
      BUILT_IN_RULES.map((rule) => rule.severity),
      BUILT_IN_RULES.map((rule) => rule.threshold),
      BUILT_IN_RULES.map((rule) => rule.windowSeconds),
      BUILT_IN_RULES.map((rule) => rule.groupBy),
      BUILT_IN_RULES.map((rule) => JSON.stringify(rule.settings)),
    ],
  );
}

/** One tenant's rules through MikroORM; deleted rules stay stored (their alerts name them) but are not listed. */
export class AlertRuleRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly tenantId: string,
  ) {}

  async list(): Promise<AlertRuleEntity[]> {
    await ensureBuiltInRules(this.em.getTransactionContext<Knex.Transaction>() ?? this.em.getKnex(), this.tenantId);
    return this.em.find(
      AlertRuleSchema,
      { tenantId: this.tenantId, deletedAt: null, $not: { key: { $like: `${SYSTEM_RULE_PREFIX}%` } } },
      { orderBy: { builtIn: 'desc', createdAt: 'asc', key: 'asc' } },
    );
  }

  /**
   * Built-in rules are stored before their first use, so any rule id a client holds is found here.
   * @throws BadUserInputError naming `id` when it is not a UUID.
   */
  async get(id: string): Promise<AlertRuleEntity> {
    const rule = await this.em.findOne(AlertRuleSchema, { id: parseUuidArgument('id', id), tenantId: this.tenantId });
    if (!rule || rule.deletedAt) throw new AlertNotFoundError('rule');
    return rule;
  }

  create(
    values: Omit<AlertRuleEntity, 'id' | 'tenantId' | 'key' | 'builtIn' | 'createdAt' | 'updatedAt' | 'deletedAt'>,
  ): AlertRuleEntity {
    const id = randomUUID();
    const now = new Date();
    return this.em.create(AlertRuleSchema, {
      ...values,
      id,
      tenantId: this.tenantId,
      key: `custom-${id}`,
      builtIn: false,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
  }
}

/** What a CONFIG_CHANGE event shows of a rule, before and after: never the webhook's credentials. */
export function ruleSnapshot(rule: AlertRuleEntity): Record<string, unknown> {
  return {
    name: rule.name,
    enabled: rule.enabled,
    severity: rule.severity,
    match: rule.match,
    threshold: rule.threshold,
    windowSeconds: rule.windowSeconds,
    groupBy: rule.groupBy,
    webhookUrl: maskUrlCredentials(rule.webhookUrl),
    maskPersonalData: rule.maskPersonalData,
    businessHours: rule.settings.businessHours ?? null,
    deleted: rule.deletedAt !== null,
  };
}
