import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type EndpointMode = 'accept' | 'refuse' | 'hang';

/** A stand-in for the subgraph that owns records: answers revert requests as `mode` says and keeps them. */
export interface RevertEndpoint {
  url: string;
  mode: EndpointMode;
  received: Array<{ headers: IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

export async function startRevertEndpoint(): Promise<RevertEndpoint> {
  const endpoint = { mode: 'accept' as EndpointMode, received: [] as RevertEndpoint['received'] };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      endpoint.received.push({ headers: req.headers, body });
      if (endpoint.mode === 'hang') return;
      res.setHeader('content-type', 'application/json');
      if (endpoint.mode === 'refuse') {
        res.statusCode = 422;
        res.end(JSON.stringify({ reason: 'the opportunity is closed' }));
      } else res.end(JSON.stringify({ applied: true }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(endpoint, {
    url: `http://127.0.0.1:${port}/revert`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
