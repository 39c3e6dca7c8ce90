import { fork } from 'node:child_process';
import path from 'node:path';

/** What a bench receiver saw: events in order (a repeat or a step back is counted, never hidden). */
export interface ReceiverStats {
  events: number;
  requests: number;
  outOfOrder: number;
  lastSequence: number;
  /** Per event, milliseconds from its `recordedAt` to its arrival (only while lag is measured; only when asked). */
  lagsMs: number[];
}

export type ReceiverName = 'webhook' | 'elastic';

export type ReceiverCommand =
  | { cmd: 'reset'; name: ReceiverName }
  | { cmd: 'measure-lag'; name: ReceiverName; on: boolean }
  | { cmd: 'stats'; name: ReceiverName; id: number; withLags: boolean }
  | { cmd: 'close' };

export type ReceiverReply =
  { cmd: 'ready'; urls: Record<ReceiverName, string> } | { cmd: 'stats'; id: number; stats: ReceiverStats };

export interface BenchReceiver {
  url: string;
  stats(withLags?: boolean): Promise<ReceiverStats>;
  measureLag(on: boolean): void;
  reset(): void;
}

/** The webhook and Elastic receivers, running in a child process (receiver-process.ts). */
export async function startReceivers(): Promise<Record<ReceiverName, BenchReceiver> & { pid: number; close(): void }> {
  const child = fork(path.join(__dirname, 'receiver-process.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
  });
  const waiting = new Map<number, (stats: ReceiverStats) => void>();
  let nextId = 0;
  const urls = await new Promise<Record<ReceiverName, string>>((resolve) => {
    child.on('message', (message: ReceiverReply) => {
      if (message.cmd === 'ready') resolve(message.urls);
      else {
        waiting.get(message.id)?.(message.stats);
        waiting.delete(message.id);
      }
    });
  });
  const send = (command: ReceiverCommand) => child.send(command);
  const receiver = (name: ReceiverName): BenchReceiver => ({
    url: urls[name],
    stats: (withLags = false) =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        send({ cmd: 'stats', name, id, withLags });
      }),
    measureLag: (on) => send({ cmd: 'measure-lag', name, on }),
    reset: () => send({ cmd: 'reset', name }),
  });
  return {
    webhook: receiver('webhook'),
    elastic: receiver('elastic'),
    pid: child.pid!,
    close: () => send({ cmd: 'close' }),
  };
}
