import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** Dotted decimal without leading zeros: exactly what `IPv4.parse(text).toString()` gives back. */
const CANONICAL_IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

/**
 * An IPv4 address in four decimal parts (ipaddr.js would also take `10.1` and hex, which PostgreSQL's
 * inet refuses) or an IPv6 address; IPv4-mapped IPv6 addresses become IPv4, so that `::ffff:10.0.0.1`
 * and `10.0.0.1` are one address. A zone index (`fe80::1%eth0`) is dropped: it names an interface of
 * the host that saw the address and means nothing anywhere else, and PostgreSQL's inet refuses it.
 * Undefined when `text` is not an address.
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  // ipaddr.js tells an IPv6 address from IPv4 by throwing, which costs more than the rest.
  if (!text.includes(':')) return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : undefined;
  if (!ipaddr.IPv6.isValid(text)) return undefined;
  const address = ipaddr.IPv6.parse(text);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  address.zoneId = undefined;
  return address;
}

/** IPv4 in dotted decimal, IPv6 as RFC 5952 text: the one spelling that hashes, filters and equality use. */
export function formatIpAddress(address: IpAddress): string {
  return address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
}

/** `text` in its one spelling (see `parseIpAddress`), or null when it is not an address. */
export function normalizeIpAddress(text: string): string | null {
  // Most addresses arrive already in their one spelling: no need to parse and print them again.
  if (CANONICAL_IPV4.test(text)) return text;
  const address = parseIpAddress(text);
  return address ? formatIpAddress(address) : null;
}
