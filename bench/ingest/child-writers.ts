import { fork } from 'node:child_process';
import path from 'node:path';
import type { PreparedBatch, WritersCommand, WritersRun } from './http-writers';

/** Runs the writers' batches (each writer sending its own one after another); resolves with each batch's ms. */
export type Writers = () => Promise<number[]>;

/**
 * The service's writers: HTTP producers in a child process (http-writers.ts), loaded with the
 * batches' bodies before the clock starts. `expected`: the events each batch must report recorded.
 */
export async function childWriters(
  endpoint: string,
  token: string,
  writerCount: number,
  expected: number,
  batches: PreparedBatch[],
): Promise<Writers & { close(): void }> {
  const child = fork(path.join(__dirname, 'http-writers.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
  });
  const ask = <T>(command: WritersCommand, reply: string) =>
    new Promise<T>((resolve) => {
      const listener = (message: { cmd: string }) =>
        message.cmd === reply && (child.off('message', listener), resolve(message as T));
      child.on('message', listener);
      child.send(command);
    });
  const prepared = batches.map(({ writer, body }) => ({ writer, body }));
  await ask({ cmd: 'load', endpoint, token, writers: writerCount, expected, batches: prepared }, 'loaded');
  const writers = async () => {
    const result = await ask<WritersRun>({ cmd: 'run' }, 'done');
    if (result.error) throw new Error(result.error);
    return result.batchMs;
  };
  return Object.assign(writers, { close: () => child.send({ cmd: 'close' } satisfies WritersCommand) });
}
