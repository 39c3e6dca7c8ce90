import UAParser from 'ua-parser-js';

/** Browser and OS families (`Chrome on Windows`), versions left out: an update is not a new device. */
export function deviceFamily(userAgent: string | null): string | null {
  if (!userAgent?.trim()) return null;
  const parsed = new UAParser(userAgent);
  const browser = parsed.getBrowser().name;
  const os = parsed.getOS().name;
  if (!browser && !os) return null;
  return `${browser ?? 'unknown browser'} on ${os ?? 'unknown OS'}`;
}
