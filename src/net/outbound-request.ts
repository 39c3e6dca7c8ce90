import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  checkOutboundAddress,
  checkOutboundUrl,
  needsAddressCheck,
  outboundPort,
  type OutboundAllowList,
} from './outbound-url';

export interface OutboundPost {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
  timeoutMs: number;
  /** Keeps connections open between posts to the same host; unset: a connection of its own for each post. */
  connections?: OutboundConnections;
}

/**
 * Connections kept open between the posts of one sender (a stream's sink), so that a busy stream does not pay a TCP
 * and TLS handshake per batch. Every new connection still resolves the name through the guarded lookup; a kept one
 * stays on the address that was checked when it was opened.
 */
export class OutboundConnections {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 1 });

  agentFor(url: URL): HttpAgent {
    return url.protocol === 'https:' ? this.https : this.http;
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/** What a sink answered: its status, headers and the start of its body (for acknowledgements and errors). */
export interface OutboundAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The most of a response body kept: enough for a bulk API's per-item answer, not a hostile stream. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * Resolves, refuses the whole answer if any address is internal (a name mixing a public and a private address
 * could otherwise be dialled on the private one), and hands the checked addresses to the socket, so that no
 * second lookup can be rebound between the check and the connection.
 */
export function guardedLookup(allowList: OutboundAllowList, port: number): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '');
      try {
        for (const { address } of addresses) checkOutboundAddress(allowList, address, port);
      } catch (refusal) {
        return callback(refusal as NodeJS.ErrnoException, '');
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}

/**
 * POSTs `body` to a URL that a tenant admin configured, under the outbound policy (see outbound-url.ts). Redirects
 * are not followed: the status is returned as it is, and a 3xx is the caller's failure to report. Credentials in the
 * URL are sent as Basic authentication.
 * @returns the response status (the body is discarded).
 * @throws OutboundRefusedError for a refused URL or address; the network's errors otherwise.
 */
export async function postOutbound(allowList: OutboundAllowList, post: OutboundPost): Promise<number> {
  return (await requestOutbound(allowList, post, { readBody: false })).status;
}

/**
 * postOutbound that also reads the answer (up to MAX_ANSWER_BYTES): the timeout covers the whole exchange, so a
 * sink that stalls mid-answer fails like one that never answers.
 * @throws OutboundRefusedError for a refused URL or address; the network's errors otherwise.
 */
export function requestOutbound(
  allowList: OutboundAllowList,
  { url: text, headers, body, timeoutMs, connections }: OutboundPost,
  { readBody = true }: { readBody?: boolean } = {},
): Promise<OutboundAnswer> {
  const url = checkOutboundUrl(allowList, text);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<OutboundAnswer>((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal: AbortSignal.timeout(timeoutMs),
        // Without a sender's own connections, a fresh one: a socket pooled with other senders' would skip its check.
        agent: connections ? connections.agentFor(url) : false,
        ...(needsAddressCheck(allowList, url) ? { lookup: guardedLookup(allowList, outboundPort(url)) } : {}),
      },
      (response) => {
        const answer = { status: response.statusCode ?? 0, headers: response.headers };
        if (!readBody) {
          response.resume();
          return resolve({ ...answer, body: '' });
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => resolve({ ...answer, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
