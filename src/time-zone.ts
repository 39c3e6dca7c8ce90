import { BadUserInputError } from './errors';

/**
 * The zone names both clocks agree on: ICU's (the alert detectors cut business hours with `Intl`)
 * and PostgreSQL's (stats cut days with `AT TIME ZONE`). PostgreSQL also knows `localtime`,
 * `posixrules`, `Factory` and the `posix/` and `right/` copies, which mean the server's own
 * settings or leap-second clocks rather than a place: ICU refuses them, so they are refused here.
 */
function canonicalZone(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Longer than any IANA name (the longest is 32 characters): not worth asking ICU about. */
const MAX_NAME_LENGTH = 64;

/**
 * The IANA name as ICU spells it (`europe/paris` is `Europe/Paris`, `GMT` is `UTC`).
 * @throws BadUserInputError naming `argument` for anything else.
 */
export function parseTimeZoneArgument(argument: string, name: string): string {
  const zone = name.length <= MAX_NAME_LENGTH ? canonicalZone(name) : undefined;
  if (!zone) throw new BadUserInputError(argument, 'is not an IANA time zone name (e.g. Europe/Paris, UTC)');
  return zone;
}
