import type { AlertRuleEntity } from '../rules/alert-rule.entity';
import type { BuiltInKey } from '../rules/built-in-rules';
import type { Detector } from './detection';
import { impossibleTravel } from './impossible-travel';
import { newDevice } from './new-device';
import { offHoursAccess } from './off-hours-access';
import { permissionEscalation } from './permission-escalation';
import { bulkExport, customRule, massDeletion, multipleFailedLogins } from './windowed-rules';

const BUILT_IN_DETECTORS: Record<BuiltInKey, Detector> = {
  'multiple-failed-logins': multipleFailedLogins,
  'bulk-export': bulkExport,
  'mass-deletion': massDeletion,
  'permission-escalation': permissionEscalation,
  'off-hours-access': offHoursAccess,
  'new-device': newDevice,
  'impossible-travel': impossibleTravel,
};

export function detectorFor(rule: AlertRuleEntity): Detector | null {
  if (!rule.builtIn) return customRule;
  return BUILT_IN_DETECTORS[rule.key as BuiltInKey] ?? null;
}
