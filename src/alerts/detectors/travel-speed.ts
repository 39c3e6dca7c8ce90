import type { GeoLocation } from '../../events/audit-event.type';
import type { GeoLocator, Place } from './geo-locator';

/** Faster than an airliner: the same person cannot have made both logins. */
export const MAX_TRAVEL_KMH = 1000;
const EARTH_RADIUS_KM = 6371;

/** The producer's location, else the GeoIP database's for the address. */
export function placeOf(location: GeoLocation | null, ip: string | null, geo: GeoLocator | null): Place | null {
  if (typeof location?.latitude === 'number' && typeof location?.longitude === 'number') {
    const label =
      location.city ?? location.country ?? `${location.latitude.toFixed(2)},${location.longitude.toFixed(2)}`;
    return { latitude: location.latitude, longitude: location.longitude, label };
  }
  return geo?.locate(ip) ?? null;
}

/** Great-circle distance (haversine). */
export function distanceKm(a: Place, b: Place): number {
  const rad = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** km/h between two logins; Infinity for two places at the same instant. */
export function travelSpeedKmh(a: { place: Place; at: Date }, b: { place: Place; at: Date }): number {
  const km = distanceKm(a.place, b.place);
  const hours = Math.abs(b.at.getTime() - a.at.getTime()) / 3_600_000;
  if (km < 1) return 0;
  return hours === 0 ? Infinity : km / hours;
}
