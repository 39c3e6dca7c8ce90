import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { OpenCommand } from './fanout-clients';

/** What the client process counted since its last reset. */
export interface ClientReport {
  min: number;
  max: number;
  total: number;
  outOfOrder: number;
  histogram: number[];
  cpuSeconds: number;
}

/** N subscriber sockets in a child process of their own (fanout-clients.ts). */
export class ClientPool {
  private constructor(private readonly child: ChildProcess) {}

  /** Forks the process and opens `count` sockets; resolves once every one is subscribed. */
  static async open(command: Omit<OpenCommand, 'cmd'>): Promise<ClientPool> {
    const child = fork(path.join(__dirname, 'fanout-clients.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
    });
    const pool = new ClientPool(child);
    await pool.ask({ cmd: 'open', ...command }, 'open-done');
    return pool;
  }

  reset(): Promise<unknown> {
    return this.ask({ cmd: 'reset' }, 'reset-done');
  }

  /** Deliveries since the last reset (cheaper than a report, to poll). */
  async delivered(): Promise<number> {
    return (await this.ask<{ total: number }>({ cmd: 'count' }, 'count')).total;
  }

  report(): Promise<ClientReport> {
    return this.ask<ClientReport>({ cmd: 'report' }, 'report');
  }

  /** Resolves once the process exited, so that its sockets are gone before the next phase. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send({ cmd: 'close' });
    });
  }

  private ask<T>(message: object, reply: string): Promise<T> {
    return new Promise((resolve) => {
      const listener = (m: { cmd: string }) =>
        m.cmd === reply && (this.child.off('message', listener), resolve(m as T));
      this.child.on('message', listener);
      this.child.send(message);
    });
  }
}
