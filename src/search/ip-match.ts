import ipaddr from 'ipaddr.js';
import type { IpMatch } from './ast';

// ipaddr.js also accepts forms PostgreSQL's inet does not (`10.1`, hex octets, zone ids),
// so IPv4 is held to four decimal parts and zone ids are refused.
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes(':') || !ipaddr.IPv6.isValid(text)) return undefined;
  const address = ipaddr.IPv6.parse(text);
  return address.zoneId === undefined ? address : undefined;
}

function print(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  return address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
}

/** Clears the host bits, so `10.0.0.1/8` means `10.0.0.0/8` (PostgreSQL's cidr refuses host bits). */
function networkOf(address: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): ipaddr.IPv4 | ipaddr.IPv6 {
  const bytes = address.toByteArray().map((byte, index) => {
    const bitsKept = Math.min(8, Math.max(0, prefix - index * 8));
    return byte & ((0xff << (8 - bitsKept)) & 0xff);
  });
  return ipaddr.fromByteArray(bytes);
}

/** An exact address or a CIDR range, normalised; undefined when `text` is neither. */
export function parseIpMatch(text: string): IpMatch | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const address = parseAddress(text);
    return address && { kind: 'address', address: print(address) };
  }
  const address = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!address || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > (address.kind() === 'ipv4' ? 32 : 128)) return undefined;
  return { kind: 'cidr', cidr: `${print(networkOf(address, prefix))}/${prefix}` };
}

export function formatIpMatch(match: IpMatch): string {
  return match.kind === 'address' ? match.address : match.cidr;
}
