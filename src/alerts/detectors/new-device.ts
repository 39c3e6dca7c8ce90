import { describeActor, refOf, summariesOf, type Detector } from './detection';
import { deviceFamily } from './device-family';

/**
 * A LOGIN whose browser and OS families the actor has not logged in with in the window before it
 * (90 days by default); an actor's first login is not a new device.
 */
export const newDevice: Detector = async (rule, { trx, tenantId, toSequence, newEvents }) => {
  const candidates = [];
  for (const event of newEvents) {
    if (event.action !== 'LOGIN') continue;
    const family = deviceFamily(event.userAgent);
    if (!family) continue;
    const { rows } = await trx.raw(
      `SELECT DISTINCT user_agent FROM audit_events
       WHERE tenant_id = ? AND actor_id = ? AND action = 'LOGIN' AND sequence <= ? AND id <> ?
         AND occurred_at <= ?::timestamptz AND occurred_at >= ?::timestamptz - make_interval(secs => ?)
       LIMIT 200`,
      [tenantId, event.actor.id, toSequence, event.id, event.occurredAt, event.occurredAt, rule.windowSeconds],
    );
    const seen = (rows as Array<{ user_agent: string | null }>).map((row) => deviceFamily(row.user_agent));
    if (seen.length === 0 || seen.includes(family)) continue;
    candidates.push({
      rule,
      groupKey: `actor:${event.actor.id}`,
      actorId: event.actor.id,
      ...summariesOf((masked) => `${describeActor(event, masked)} logged in from a new device (${family})`),
      events: [refOf(event)],
      dedupeKey: event.id,
    });
  }
  return candidates;
};
