import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/**
 * The policy for URLs that tenant admins configure (alert webhooks, and later streams and export destinations):
 * http(s) only, and never an address inside the operator's network unless OUTBOUND_ALLOWED_HOSTS lets it through.
 * Addresses are compared after WHATWG URL normalisation (`0x7f000001`, `2130706433` and `127.1` are all 127.0.0.1)
 * and after DNS resolution, so that a name pointing inward is refused like the address it points to.
 */

type Address = ipaddr.IPv4 | ipaddr.IPv6;

type AllowEntry =
  | { kind: 'name'; host: string; port: number | null }
  | { kind: 'address'; address: string; port: number | null }
  | { kind: 'range'; range: [Address, number] };

/** OUTBOUND_ALLOWED_HOSTS, parsed: names, addresses (each with an optional port) and CIDR ranges. */
export interface OutboundAllowList {
  readonly entries: readonly AllowEntry[];
}

/** Why a URL or an address was refused; the message says it in words a tenant admin can act on. */
export class OutboundRefusedError extends Error {
  readonly code = 'EOUTBOUNDREFUSED';
}

/** RFC 6761: these names are the machine itself, whatever a resolver says. */
const LOOPBACK_NAME = /(^|\.)localhost\.?$/i;

/** Public addresses are `unicast` to ipaddr.js; every other range (loopback, private, link-local...) stays inside. */
const PUBLIC_RANGE = 'unicast';

const withoutBrackets = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

/** IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries. */
function parseAddress(text: string): Address | null {
  const bare = withoutBrackets(text);
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : null;
}

/** The port a request to `url` connects to. */
export const outboundPort = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

function parseEntry(entry: string): AllowEntry {
  if (entry.includes('/')) {
    const [address, bits] = ipaddr.parseCIDR(entry);
    return { kind: 'range', range: [address.kind() === 'ipv6' ? ipaddr.process(address.toString()) : address, bits] };
  }
  const bare = parseAddress(entry);
  if (bare) return { kind: 'address', address: bare.toString(), port: null };
  const url = new URL(`http://${entry}`);
  if (url.pathname !== '/' || url.username || url.password || url.search || url.hash) throw new Error('not a host');
  const port = /:(\d{1,5})$/.test(entry) ? outboundPort(url) : null;
  const address = parseAddress(url.hostname);
  return address
    ? { kind: 'address', address: address.toString(), port }
    : { kind: 'name', host: url.hostname.toLowerCase(), port };
}

/**
 * OUTBOUND_ALLOWED_HOSTS: comma-separated `host`, `host:port`, `[v6]:port` or CIDR entries.
 * @throws Error naming the setting and the entry that is none of these.
 */
export function parseOutboundAllowList(text: string | undefined): OutboundAllowList {
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      try {
        return parseEntry(entry);
      } catch {
        throw new Error(`OUTBOUND_ALLOWED_HOSTS: "${entry}" is not a host, host:port or CIDR range`);
      }
    });
  return { entries };
}

const portMatches = (wanted: number | null, port: number) => wanted === null || wanted === port;

function nameAllowed(allowList: OutboundAllowList, hostname: string, port: number): boolean {
  const host = hostname.toLowerCase();
  return allowList.entries.some(
    (entry) => entry.kind === 'name' && entry.host === host && portMatches(entry.port, port),
  );
}

function addressAllowed(allowList: OutboundAllowList, address: Address, port: number): boolean {
  return allowList.entries.some((entry) => {
    if (entry.kind === 'address') return entry.address === address.toString() && portMatches(entry.port, port);
    if (entry.kind === 'range') return address.kind() === entry.range[0].kind() && address.match(entry.range);
    return false;
  });
}

/** @throws OutboundRefusedError when `address` is not public and the allow list does not name it. */
export function checkOutboundAddress(allowList: OutboundAllowList, text: string, port: number): void {
  const address = parseAddress(text);
  if (!address) throw new OutboundRefusedError(`"${text}" is not an IP address`);
  const range = address.range();
  if (range !== PUBLIC_RANGE && !addressAllowed(allowList, address, port))
    throw new OutboundRefusedError(
      `${address.toString()} is a ${range} address, which outbound requests may not reach`,
    );
}

/**
 * What can be told from the URL alone: http(s), a host, and no internal address or loopback name (unless allowed).
 * @throws OutboundRefusedError saying why.
 */
export function checkOutboundUrl(allowList: OutboundAllowList, text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new OutboundRefusedError('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundRefusedError('must be http or https');
  const port = outboundPort(url);
  if (nameAllowed(allowList, url.hostname, port)) return url;
  if (parseAddress(url.hostname)) checkOutboundAddress(allowList, url.hostname, port);
  else if (LOOPBACK_NAME.test(url.hostname) && !addressAllowed(allowList, ipaddr.parse('127.0.0.1'), port))
    throw new OutboundRefusedError(`${url.hostname} is this machine, which outbound requests may not reach`);
  return url;
}

/** True when the URL names a host by name that the allow list does not trust as a name: its addresses decide. */
export function needsAddressCheck(allowList: OutboundAllowList, url: URL): boolean {
  return !parseAddress(url.hostname) && !nameAllowed(allowList, url.hostname, outboundPort(url));
}

const SAVE_TIME_LOOKUP_MS = 3000;

/**
 * checkOutboundUrl, then every address the name resolves to now. A name that does not resolve (yet) passes:
 * each request checks again after its own lookup (see outbound-request.ts).
 * @throws OutboundRefusedError saying why.
 */
export async function checkOutboundUrlResolved(allowList: OutboundAllowList, text: string): Promise<URL> {
  const url = checkOutboundUrl(allowList, text);
  if (!needsAddressCheck(allowList, url)) return url;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), SAVE_TIME_LOOKUP_MS)));
  const addresses = await Promise.race([lookup(url.hostname, { all: true }).catch(() => null), timeout]).finally(() =>
    clearTimeout(timer),
  );
  for (const { address } of addresses ?? []) checkOutboundAddress(allowList, address, outboundPort(url));
  return url;
}

const MASK = '***';

/** The URL as shown to anyone: `user:pass@` becomes `***@` (the credentials stay stored, and are sent). */
export function maskUrlCredentials(text: string): string;
export function maskUrlCredentials(text: string | null): string | null;
export function maskUrlCredentials(text: string | null): string | null {
  if (text === null) return null;
  try {
    const url = new URL(text);
    if (!url.username && !url.password) return text;
    url.username = MASK;
    url.password = '';
    return url.toString();
  } catch {
    return text.replace(/\/\/[^/?#]*@/, `//${MASK}@`);
  }
}

/** A masked URL sent back unchanged (an admin editing other settings) keeps the stored credentials. */
export function keepStoredCredentials(given: string | null, stored: string | null): string | null {
  return given !== null && stored !== null && given === maskUrlCredentials(stored) ? stored : given;
}
