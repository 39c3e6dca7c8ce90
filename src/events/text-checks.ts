import { BadUserInputError } from '../errors';
import type { GeoLocationInput } from './audit-event.input';
import { EVENT_LIMITS as L } from './limits';

/** @throws BadUserInputError naming `argument` when the text is too long, empty where required, or holds a NUL. */
export function checkText(
  value: string | null | undefined,
  maxLength: number,
  argument: string,
  { required = false } = {},
): void {
  if (value == null) {
    if (required) throw new BadUserInputError(argument, 'is required');
    return;
  }
  if (required && value.trim() === '') throw new BadUserInputError(argument, 'must not be empty');
  if (value.length > maxLength) throw new BadUserInputError(argument, `is longer than ${maxLength} characters`);
  if (value.includes('\u0000')) throw new BadUserInputError(argument, 'contains a NUL character');
}

/** @throws BadUserInputError for coordinates off the globe or over-long names. */
export function checkLocation(
  location: GeoLocationInput | null | undefined,
  argument: string,
): Record<string, string | number | null> | null {
  if (location == null) return null;
  for (const key of ['country', 'region', 'city'] as const)
    checkText(location[key], L.maxLocationTextLength, `${argument}.${key}`);
  const { latitude, longitude } = location;
  if (latitude != null && (latitude < -90 || latitude > 90))
    throw new BadUserInputError(`${argument}.latitude`, 'must be between -90 and 90');
  if (longitude != null && (longitude < -180 || longitude > 180))
    throw new BadUserInputError(`${argument}.longitude`, 'must be between -180 and 180');
  if ((latitude == null) !== (longitude == null))
    throw new BadUserInputError(argument, 'latitude and longitude go together');
  const normalized = {
    country: location.country ?? null,
    region: location.region ?? null,
    city: location.city ?? null,
    latitude: latitude ?? null,
    longitude: longitude ?? null,
  };
  return Object.values(normalized).every((value) => value === null) ? null : normalized;
}
