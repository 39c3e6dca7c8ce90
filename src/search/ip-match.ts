import ipaddr from 'ipaddr.js';
import { formatIpAddress, parseIpAddress, type IpAddress } from '../ip-address';
import type { IpMatch } from './ast';

/** IPv4-mapped IPv6 addresses are stored as IPv4: their first 96 bits are the mapping prefix. */
const MAPPED_PREFIX_BITS = 96;

/** Clears the host bits, so `10.0.0.1/8` means `10.0.0.0/8` (PostgreSQL's cidr refuses host bits). */
function networkOf(address: IpAddress, prefix: number): IpAddress {
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
    const address = parseIpAddress(text);
    return address && { kind: 'address', address: formatIpAddress(address) };
  }
  const addressText = text.slice(0, slash);
  const address = parseIpAddress(addressText);
  const prefixText = text.slice(slash + 1);
  if (!address || !/^\d{1,3}$/.test(prefixText)) return undefined;
  let prefix = Number(prefixText);
  if (address.kind() === 'ipv4' && addressText.includes(':')) {
    if (prefix < MAPPED_PREFIX_BITS) return undefined;
    prefix -= MAPPED_PREFIX_BITS;
  }
  if (prefix > (address.kind() === 'ipv4' ? 32 : 128)) return undefined;
  return { kind: 'cidr', cidr: `${formatIpAddress(networkOf(address, prefix))}/${prefix}` };
}

export function formatIpMatch(match: IpMatch): string {
  return match.kind === 'address' ? match.address : match.cidr;
}
