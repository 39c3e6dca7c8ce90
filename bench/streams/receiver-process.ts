/**
 * The streams bench's receivers (a webhook and an Elasticsearch `_bulk` endpoint), in a process of their
 * own so that the service's process does only the service's work (a SIEM runs elsewhere). Driven over IPC
 * by receivers.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceiverCommand, ReceiverName, ReceiverReply, ReceiverStats } from './receivers';

/** Events of one request, as sequence/recordedAt, from the body the sink format gives, and the answer. */
type Parse = (body: string) => { sequences: number[]; recordedAt: string[]; answer: string };

interface Receiver {
  url: string;
  stats: ReceiverStats;
  measureLag: boolean;
  server: Server;
}

const fresh = (): ReceiverStats => ({ events: 0, requests: 0, outOfOrder: 0, lastSequence: 0, lagsMs: [] });

async function listen(parse: Parse, path: string): Promise<Receiver> {
  const receiver = { stats: fresh(), measureLag: false } as Receiver;
  receiver.server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const arrived = Date.now();
      let parsed: ReturnType<Parse>;
      try {
        parsed = parse(Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        // Answered as the SIEMs do a body they cannot read: the service sees a refusal, the bench keeps running.
        response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
        return;
      }
      const { sequences, recordedAt, answer } = parsed;
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
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}${path}`;
  return receiver;
}

/** A WEBHOOK sink for NATIVE events. */
const webhookReceiver = () =>
  listen((body) => {
    const { events } = JSON.parse(body) as { events: Array<{ sequence: string; recordedAt: string }> };
    return {
      sequences: events.map((event) => Number(event.sequence)),
      recordedAt: events.map((event) => event.recordedAt),
      answer: '{}',
    };
  }, '/hook');

/** An Elasticsearch `_bulk` endpoint for ECS documents: every `create` answered 201. */
const elasticReceiver = () =>
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

const reply = (message: ReceiverReply) => process.send!(message);

async function main(): Promise<void> {
  const receivers: Record<ReceiverName, Receiver> = {
    webhook: await webhookReceiver(),
    elastic: await elasticReceiver(),
  };
  process.on('message', (message: ReceiverCommand) => {
    if (message.cmd === 'close') {
      for (const receiver of Object.values(receivers)) receiver.server.close();
      process.disconnect();
      return;
    }
    const receiver = receivers[message.name];
    if (message.cmd === 'reset') receiver.stats = fresh();
    else if (message.cmd === 'measure-lag') receiver.measureLag = message.on;
    else {
      const { lagsMs, ...counts } = receiver.stats;
      reply({ cmd: 'stats', id: message.id, stats: { ...counts, lagsMs: message.withLags ? lagsMs : [] } });
    }
  });
  reply({ cmd: 'ready', urls: { webhook: receivers.webhook.url, elastic: receivers.elastic.url } });
}

void main();
