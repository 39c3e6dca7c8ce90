import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a bench receiver saw: events in order (a repeat or a step back is counted, never hidden). */
export interface ReceiverStats {
  events: number;
  requests: number;
  outOfOrder: number;
  lastSequence: number;
  /** Per event, milliseconds from its `recordedAt` to its arrival here (live phase only). */
  lagsMs: number[];
}

export interface BenchReceiver {
  url: string;
  stats: ReceiverStats;
  measureLag: boolean;
  reset(): void;
  close(): Promise<void>;
}

/** Events of one request, as id/sequence/recordedAt, from the body the sink format gives. */
type Parse = (body: string) => { sequences: number[]; recordedAt: string[]; answer: string };

async function listen(parse: Parse, path: string): Promise<BenchReceiver> {
  const receiver = { measureLag: false } as BenchReceiver;
  const fresh = (): ReceiverStats => ({ events: 0, requests: 0, outOfOrder: 0, lastSequence: 0, lagsMs: [] });
  receiver.stats = fresh();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const arrived = Date.now();
      const { sequences, recordedAt, answer } = parse(Buffer.concat(chunks).toString('utf8'));
      const stats = receiver.stats;
      stats.requests++;
      for (const sequence of sequences) {
        if (sequence <= stats.lastSequence) stats.outOfOrder++;
        stats.lastSequence = Math.max(stats.lastSequence, sequence);
      }
      stats.events += sequences.length;
      if (receiver.measureLag) for (const at of recordedAt) stats.lagsMs.push(arrived - Date.parse(at));
      response.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}${path}`,
    reset: () => (receiver.stats = fresh()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** A WEBHOOK sink for NATIVE events. */
export const webhookReceiver = () =>
  listen((body) => {
    const { events } = JSON.parse(body) as { events: Array<{ sequence: string; recordedAt: string }> };
    return {
      sequences: events.map((event) => Number(event.sequence)),
      recordedAt: events.map((event) => event.recordedAt),
      answer: '{}',
    };
  }, '/hook');

/** An Elasticsearch `_bulk` endpoint for ECS documents: every `create` answered 201. */
export const elasticReceiver = () =>
  listen((body) => {
    const lines = body.trimEnd().split('\n');
    const sequences: number[] = [];
    const recordedAt: string[] = [];
    const items: string[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const document = JSON.parse(lines[i + 1]) as { event: { sequence: number; created: string } };
      sequences.push(document.event.sequence);
      recordedAt.push(document.event.created);
      items.push('{"create":{"status":201,"result":"created"}}');
    }
    return { sequences, recordedAt, answer: `{"took":1,"errors":false,"items":[${items.join(',')}]}` };
  }, '/audit');
