import { toDate } from '../../db/timestamps';
import type { GeoLocation } from '../../events/audit-event.type';
import { describeActor, refOf, summariesOf, type AlertCandidate, type Detector } from './detection';
import type { Place } from './geo-locator';
import { distanceKm, MAX_TRAVEL_KMH, placeOf, travelSpeedKmh } from './travel-speed';

interface LoginRow {
  id: string;
  sequence: string;
  occurred_at: string;
  location: GeoLocation | null;
  ip: string | null;
}

/** Beyond a day apart, no two places on Earth are too far for 1000 km/h. */
const HORIZON_SECONDS = 24 * 3600;

/** A LOGIN too far, for the time between them, from the actor's login just before or just after it. */
export const impossibleTravel: Detector = async (rule, { trx, tenantId, toSequence, newEvents, geo }) => {
  const candidates: AlertCandidate[] = [];
  for (const event of newEvents) {
    if (event.action !== 'LOGIN') continue;
    const place = placeOf(event.location, event.ipAddress, geo);
    if (!place) continue;
    const { rows } = await trx.raw(
      `SELECT id, sequence, occurred_at, location, host(ip_address) AS ip FROM audit_events
       WHERE tenant_id = ? AND actor_id = ? AND action = 'LOGIN' AND sequence <= ? AND id <> ?
         AND occurred_at BETWEEN ?::timestamptz - make_interval(secs => ?) AND ?::timestamptz + make_interval(secs => ?)
         AND (location->>'latitude' IS NOT NULL OR ip_address IS NOT NULL)
       ORDER BY abs(extract(epoch FROM occurred_at - ?::timestamptz)) LIMIT 20`,
      [
        tenantId,
        event.actor.id,
        toSequence,
        event.id,
        event.occurredAt,
        HORIZON_SECONDS,
        event.occurredAt,
        HORIZON_SECONDS,
        event.occurredAt,
      ],
    );
    const located = (rows as LoginRow[])
      .map((row) => ({ row, at: toDate(row.occurred_at), place: placeOf(row.location, row.ip, geo) }))
      .filter((item): item is { row: LoginRow; at: Date; place: Place } => item.place !== null);
    const before = located.find((item) => item.at <= event.occurredAt);
    const after = located.find((item) => item.at > event.occurredAt);
    for (const other of [before, after]) {
      if (!other || travelSpeedKmh({ place, at: event.occurredAt }, other) <= MAX_TRAVEL_KMH) continue;
      const pair = [
        refOf(event),
        { id: other.row.id, occurredAt: other.at, sequence: String(other.row.sequence) },
      ].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
      const hours = Math.abs(event.occurredAt.getTime() - other.at.getTime()) / 3_600_000;
      candidates.push({
        rule,
        groupKey: `actor:${event.actor.id}`,
        actorId: event.actor.id,
        ...summariesOf(
          (masked) =>
            `${describeActor(event, masked)} logged in from ${masked ? 'two places' : `${other.place.label} and ${place.label}`} ` +
            `${Math.round(distanceKm(place, other.place))} km and ${hours.toFixed(1)} h apart`,
        ),
        events: pair,
        dedupeKey: pair
          .map((item) => item.id)
          .sort()
          .join('|'),
      });
    }
  }
  return candidates;
};
