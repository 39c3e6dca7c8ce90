/**
 * A child process holding many subscriber sockets (live: graphql-transport-ws; raw: plain ws),
 * so that the clients' own work does not run on the server's thread. Both modes get text frames
 * of the same shape and count them the same way (see DeliveryTally). Driven by IPC messages from
 * fanout-client-pool.ts.
 */
import WebSocket from 'ws';
import { DeliveryTally } from './delivery-tally';

export const LIVE_QUERY =
  'subscription { auditEventRecorded(filter: { entityTypes: ["Bench"] }) { id sequence recordedAt action entityType entityId actor { id } } }';

export interface OpenCommand {
  cmd: 'open';
  url: string;
  mode: 'live' | 'raw';
  count: number;
  token: string;
}

const sockets: WebSocket[] = [];
let tally = new DeliveryTally(0);

function connect(index: number, { url, mode, token }: OpenCommand): Promise<void> {
  const socket = new WebSocket(url, mode === 'live' ? 'graphql-transport-ws' : undefined);
  sockets.push(socket);
  return new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('message', (raw) => {
      const data = String(raw);
      if (!data.includes('"connection_ack"')) return tally.count(index, data);
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: LIVE_QUERY } }));
      resolve();
    });
    socket.on('open', () => {
      if (mode === 'raw') return resolve();
      socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }));
    });
  });
}

async function open(command: OpenCommand): Promise<void> {
  tally = new DeliveryTally(command.count);
  for (let start = 0; start < command.count; start += 200) {
    const batch = Array.from({ length: Math.min(200, command.count - start) }, (_, k) => connect(start + k, command));
    await Promise.all(batch);
  }
}

process.on('message', async (message: OpenCommand | { cmd: 'report' | 'count' | 'reset' | 'close' }) => {
  if (message.cmd === 'open') await open(message);
  if (message.cmd === 'count') return process.send!({ cmd: 'count', total: tally.total });
  if (message.cmd === 'reset') tally.reset();
  if (message.cmd === 'report') return process.send!({ cmd: 'report', ...tally.report() });
  if (message.cmd === 'close') {
    sockets.forEach((socket) => socket.terminate());
    return process.exit(0);
  }
  process.send!({ cmd: `${message.cmd}-done` });
});
