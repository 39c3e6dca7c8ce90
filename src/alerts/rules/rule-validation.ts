import { BadUserInputError } from '../../errors';
import { checkOutboundUrlResolved, OutboundRefusedError, type OutboundAllowList } from '../../net/outbound-url';
import { parseSearchArgument } from '../../search/parse';
import { parseTimeZoneArgument } from '../../time-zone';
import { AlertGroupBy } from '../alert-enums';
import type { AlertRuleInput, BusinessHoursInput } from './alert-rule.input';
import type { BusinessHours } from './built-in-rules';

const MAX_WINDOW_SECONDS = 400 * 24 * 3600;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The input's values, checked and defaulted. */
export interface CheckedRuleInput {
  name: string;
  severity: AlertRuleInput['severity'];
  enabled: boolean;
  match: string;
  threshold: number;
  windowSeconds: number;
  groupBy: AlertGroupBy;
  webhookUrl: string | null;
  businessHours?: BusinessHours;
}

const MAX_URL_CHARS = 2048;

/**
 * A webhook URL under the outbound policy, resolved now (each delivery checks again after its own lookup).
 * @throws BadUserInputError naming `input.webhookUrl`, saying why it is refused.
 */
export async function checkWebhookUrl(
  url: string | null | undefined,
  allowList: OutboundAllowList,
): Promise<string | null> {
  const text = url?.trim();
  if (!text) return null;
  if (text.length > MAX_URL_CHARS)
    throw new BadUserInputError('input.webhookUrl', `must be at most ${MAX_URL_CHARS} characters`);
  try {
    return (await checkOutboundUrlResolved(allowList, text)).toString();
  } catch (error) {
    if (error instanceof OutboundRefusedError) throw new BadUserInputError('input.webhookUrl', error.message);
    throw error;
  }
}

function checkBusinessHours(hours: BusinessHoursInput): BusinessHours {
  const days = [...new Set(hours.days)].sort();
  if (days.some((day) => !Number.isInteger(day) || day < 1 || day > 7))
    throw new BadUserInputError('input.businessHours.days', 'must be weekdays 1 (Monday) to 7 (Sunday)');
  for (const side of ['start', 'end'] as const)
    if (!TIME.test(hours[side])) throw new BadUserInputError(`input.businessHours.${side}`, 'must be HH:MM (24-hour)');
  if (hours.start >= hours.end) throw new BadUserInputError('input.businessHours.start', 'must be before `end`');
  const timeZone = parseTimeZoneArgument('input.businessHours.timeZone', hours.timeZone);
  return { days, start: hours.start, end: hours.end, timeZone };
}

/**
 * Every value but `webhookUrl` (see checkWebhookUrl, which may wait for DNS).
 * @throws BadUserInputError naming the field; for `match`, with the syntax error's position.
 */
export function checkRuleInput(
  input: AlertRuleInput,
  { builtIn }: { builtIn: boolean },
): Omit<CheckedRuleInput, 'webhookUrl'> {
  const name = input.name.trim();
  if (!name || name.length > 200) throw new BadUserInputError('input.name', 'must be 1 to 200 characters');
  const threshold = input.threshold ?? 1;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > 1_000_000)
    throw new BadUserInputError('input.threshold', 'must be between 1 and 1000000');
  const windowSeconds = input.windowSeconds ?? 300;
  if (!Number.isInteger(windowSeconds) || windowSeconds < 0 || windowSeconds > MAX_WINDOW_SECONDS)
    throw new BadUserInputError('input.windowSeconds', `must be between 0 and ${MAX_WINDOW_SECONDS}`);
  const match = input.match.trim();
  if (!builtIn) {
    if (!match) throw new BadUserInputError('input.match', 'must hold at least one search term');
    parseSearchArgument(match, 'input.match');
  }
  return {
    name,
    severity: input.severity,
    enabled: input.enabled ?? true,
    match,
    threshold,
    windowSeconds,
    groupBy: input.groupBy ?? AlertGroupBy.ACTOR,
    businessHours: input.businessHours ? checkBusinessHours(input.businessHours) : undefined,
  };
}
