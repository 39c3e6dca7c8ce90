import { AlertGroupBy, AlertSeverity } from '../alert-enums';

export type BuiltInKey =
  | 'multiple-failed-logins'
  | 'bulk-export'
  | 'mass-deletion'
  | 'permission-escalation'
  | 'off-hours-access'
  | 'new-device'
  | 'impossible-travel';

/** Business hours of `off-hours-access`: weekdays 1 (Monday) to 7 (Sunday), times as HH:MM in `timeZone`. */
export interface BusinessHours {
  days: number[];
  start: string;
  end: string;
  timeZone: string;
}

export interface RuleSettings {
  businessHours?: BusinessHours;
}

export interface BuiltInDefinition {
  key: BuiltInKey;
  name: string;
  severity: AlertSeverity;
  threshold: number;
  windowSeconds: number;
  groupBy: AlertGroupBy;
  settings: RuleSettings;
}

const MINUTES = 60;

export const DEFAULT_BUSINESS_HOURS: BusinessHours = {
  days: [1, 2, 3, 4, 5],
  start: '08:00',
  end: '18:00',
  timeZone: 'UTC',
};

/** The contract's seven rules with their defaults; every tenant has them, tuned or not. */
export const BUILT_IN_RULES: readonly BuiltInDefinition[] = [
  {
    key: 'multiple-failed-logins',
    name: 'Multiple failed logins',
    severity: AlertSeverity.HIGH,
    threshold: 5,
    windowSeconds: 10 * MINUTES,
    groupBy: AlertGroupBy.ACTOR,
    settings: {},
  },
  // Raised when the summed recordCount goes over the threshold, not when it reaches it.
  {
    key: 'bulk-export',
    name: 'Bulk export',
    severity: AlertSeverity.HIGH,
    threshold: 100,
    windowSeconds: 24 * 60 * MINUTES,
    groupBy: AlertGroupBy.ACTOR,
    settings: {},
  },
  {
    key: 'mass-deletion',
    name: 'Mass deletion',
    severity: AlertSeverity.HIGH,
    threshold: 50,
    windowSeconds: 10 * MINUTES,
    groupBy: AlertGroupBy.ACTOR,
    settings: {},
  },
  {
    key: 'permission-escalation',
    name: 'Permission escalation to admin',
    severity: AlertSeverity.HIGH,
    threshold: 1,
    windowSeconds: 0,
    groupBy: AlertGroupBy.ACTOR,
    settings: {},
  },
  {
    key: 'off-hours-access',
    name: 'Login outside business hours',
    severity: AlertSeverity.LOW,
    threshold: 1,
    windowSeconds: 0,
    groupBy: AlertGroupBy.ACTOR,
    settings: { businessHours: DEFAULT_BUSINESS_HOURS },
  },
  // The window is how far back a device counts as known.
  {
    key: 'new-device',
    name: 'Login from a new device',
    severity: AlertSeverity.MEDIUM,
    threshold: 1,
    windowSeconds: 90 * 24 * 60 * MINUTES,
    groupBy: AlertGroupBy.ACTOR,
    settings: {},
  },
  {
    key: 'impossible-travel',
    name: 'Impossible travel',
    severity: AlertSeverity.HIGH,
    threshold: 1,
    windowSeconds: 0,
    groupBy: AlertGroupBy.ACTOR,
    settings: {},
  },
];
