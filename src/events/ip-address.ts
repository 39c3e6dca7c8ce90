import ipaddr from 'ipaddr.js';

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** Dotted decimal without leading zeros: exactly what `IPv4.parse(text).toString()` gives back. */
const CANONICAL_IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

/**
 * One spelling per address, so that hashes, filters and equality agree: IPv4 in dotted
 * decimal (IPv4-mapped IPv6 addresses become IPv4), IPv6 as RFC 5952 text.
 * Returns null when `text` is not an address.
 */
export function normalizeIpAddress(text: string): string | null {
  // Most addresses arrive already in their one spelling: no need to parse and print them again.
  if (CANONICAL_IPV4.test(text)) return text;
  // ipaddr.js tells an IPv6 address from IPv4 by throwing, which costs more than the rest.
  if (!text.includes(':')) return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text).toString() : null;
  if (!ipaddr.IPv6.isValid(text)) return null;
  const address = ipaddr.IPv6.parse(text);
  return address.isIPv4MappedAddress() ? address.toIPv4Address().toString() : address.toRFC5952String();
}
