import { assertInputObjectType, coerceInputValue, type GraphQLSchema } from 'graphql';
import type { AuditEventInput } from '../events/audit-event.input';
import { EVENT_LIMITS } from '../events/limits';
import { compileInputCoercion, NOT_COERCED } from '../schema/compiled-input-coercion';

export type DecodedMessage =
  { events: AuditEventInput[]; problem?: undefined } | { events?: undefined; problem: string };

/**
 * Turns a message's body into the inputs `recordAuditEvents` would receive: the JSON of one
 * `AuditEventInput` or an array of them, coerced by the schema's own input type (the same enums,
 * scalars and defaults as over HTTP; compiled for the usual valid event, `coerceInputValue` itself for
 * any other, so that a refusal reads as it does over HTTP). Every event needs its `id`, so that a redelivery stores
 * nothing twice, and is the subject's tenant's: a `tenantId` naming another tenant is refused.
 */
export function messageDecoder(schema: GraphQLSchema): (body: Uint8Array, tenantId: string) => DecodedMessage {
  const inputType = assertInputObjectType(schema.getType('AuditEventInput'));
  const coerce = compileInputCoercion(inputType);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return (body, tenantId) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder.decode(body));
    } catch {
      return { problem: 'the message is not UTF-8 JSON' };
    }
    const values = Array.isArray(parsed) ? parsed : [parsed];
    if (values.length < EVENT_LIMITS.minBatch || values.length > EVENT_LIMITS.maxBatch)
      return { problem: `a message holds ${EVENT_LIMITS.minBatch} to ${EVENT_LIMITS.maxBatch} events` };
    const events: AuditEventInput[] = [];
    for (const [index, value] of values.entries()) {
      const problems: string[] = [];
      const compiled = coerce(value);
      const event = (
        compiled !== NOT_COERCED
          ? compiled
          : coerceInputValue(value, inputType, (path, _invalid, error) =>
              problems.push(
                `events[${index}]${path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('')}: ${error.message}`,
              ),
            )
      ) as AuditEventInput | undefined;
      if (problems.length > 0 || !event) return { problem: problems[0] ?? `events[${index}] is not an event` };
      if (event.id == null)
        return { problem: `events[${index}].id: is required on NATS, so that a redelivery is stored once` };
      if (event.tenantId != null && event.tenantId !== tenantId)
        return { problem: `events[${index}].tenantId: names another tenant than the subject's` };
      // Both coercions return an object of their own: the tenant is set on it rather than on a copy.
      event.tenantId = tenantId;
      events.push(event);
    }
    return { events };
  };
}
