import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  body: string;
  headers: IncomingMessage['headers'];
}

/** How the receiver answers each POST; tests change it as they go. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
}

export interface Receiver {
  url: string;
  /** `127.0.0.1:<port>`, as OUTBOUND_ALLOWED_HOSTS lists it. */
  host: string;
  port: number;
  /** The POSTs answered 2xx. */
  received: Received[];
  answer: Answer;
  attempts(): number;
  close(): Promise<void>;
}

/** A webhook endpoint on an ephemeral port of 127.0.0.1; answers 503 until told otherwise. */
export async function webhookReceiver(answer: Answer = { status: 503 }): Promise<Receiver> {
  const received: Received[] = [];
  let attempts = 0;
  const receiver = { answer } as Receiver;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      attempts++;
      const { status, headers } = receiver.answer;
      if (status >= 200 && status < 300) received.push({ body, headers: request.headers });
      response.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hook`,
    host: `127.0.0.1:${port}`,
    port,
    received,
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
