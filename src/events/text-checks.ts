import { BadUserInputError } from '../errors';
import { unstorableTextProblem } from '../text';
import type { GeoLocationInput } from './audit-event.input';
import { EVENT_LIMITS as L } from './limits';

/** Why a text cannot be stored (too long, empty where required, holding a NUL or a lone surrogate), or null. */
export function textProblem(value: string | null | undefined, maxLength: number, required = false): string | null {
  if (value == null) return required ? 'is required' : null;
  if (required && value.trim() === '') return 'must not be empty';
  if (value.length > maxLength) return `is longer than ${maxLength} characters`;
  return unstorableTextProblem(value);
}

/** @throws BadUserInputError naming `argument` when the text cannot be stored (see `textProblem`). */
export function checkText(
  value: string | null | undefined,
  maxLength: number,
  argument: string,
  { required = false } = {},
): void {
  const problem = textProblem(value, maxLength, required);
  if (problem) throw new BadUserInputError(argument, problem);
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
