import type { AuditAction } from '../../events/enums';
import type { AlertRuleEntity } from '../rules/alert-rule.entity';
import type { BuiltInKey } from '../rules/built-in-rules';
import type { Detector } from './detection';
import { impossibleTravel } from './impossible-travel';
import { newDevice } from './new-device';
import { offHoursAccess } from './off-hours-access';
import { permissionEscalation } from './permission-escalation';
import { bulkExport, customRule, massDeletion, multipleFailedLogins } from './windowed-rules';

interface BuiltInDetector {
  detect: Detector;
  /** The only actions whose events can raise its alert: a step holding none of them is skipped. */
  actions: readonly AuditAction[];
  /** It takes those events from `Detection.newEvents`; the others query PostgreSQL for what they count. */
  readsEvents: boolean;
}

const BUILT_IN: Record<BuiltInKey, BuiltInDetector> = {
  'multiple-failed-logins': { detect: multipleFailedLogins, actions: ['LOGIN_FAILED'], readsEvents: false },
  'bulk-export': { detect: bulkExport, actions: ['EXPORT', 'REPORT_EXPORT'], readsEvents: false },
  'mass-deletion': { detect: massDeletion, actions: ['DELETE', 'BULK_DELETE'], readsEvents: false },
  'permission-escalation': {
    detect: permissionEscalation,
    actions: ['ROLE_CHANGE', 'PERMISSION_CHANGE'],
    readsEvents: true,
  },
  'off-hours-access': { detect: offHoursAccess, actions: ['LOGIN'], readsEvents: true },
  'new-device': { detect: newDevice, actions: ['LOGIN'], readsEvents: true },
  'impossible-travel': { detect: impossibleTravel, actions: ['LOGIN'], readsEvents: true },
};

/** Every action some built-in rule looks at. */
export const BUILT_IN_ACTIONS: ReadonlySet<string> = new Set(Object.values(BUILT_IN).flatMap(({ actions }) => actions));

const builtInOf = (rule: AlertRuleEntity): BuiltInDetector | undefined =>
  rule.builtIn ? BUILT_IN[rule.key as BuiltInKey] : undefined;

/**
 * The rule's detector, or null when this step cannot raise its alert. Most steps are record
 * changes, which no built-in rule looks at; a custom rule may match any event.
 */
export function detectorFor(rule: AlertRuleEntity, stepActions: ReadonlySet<string>): Detector | null {
  if (!rule.builtIn) return customRule;
  const builtIn = BUILT_IN[rule.key as BuiltInKey];
  return builtIn && builtIn.actions.some((action) => stepActions.has(action)) ? builtIn.detect : null;
}

/** The actions whose events these rules' detectors take from `Detection.newEvents`. */
export function actionsReadBy(rules: readonly AlertRuleEntity[]): AuditAction[] {
  const actions = new Set<AuditAction>();
  for (const rule of rules) {
    const builtIn = builtInOf(rule);
    if (builtIn?.readsEvents) for (const action of builtIn.actions) actions.add(action);
  }
  return [...actions];
}
