import ipaddr from 'ipaddr.js';

/**
 * One spelling per address, so that hashes, filters and equality agree: IPv4 in dotted
 * decimal (IPv4-mapped IPv6 addresses become IPv4), IPv6 as RFC 5952 text.
 * Returns null when `text` is not an address.
 */
export function normalizeIpAddress(text: string): string | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text).toString();
  if (!ipaddr.IPv6.isValid(text)) return null;
  const address = ipaddr.IPv6.parse(text);
  return address.isIPv4MappedAddress() ? address.toIPv4Address().toString() : address.toRFC5952String();
}
