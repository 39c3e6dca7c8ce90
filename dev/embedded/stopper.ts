import type { ChildProcess } from 'node:child_process';
import type { Log } from './public-types';

/**
 * The server's stop(): fast shutdown (SIGINT), then immediate (SIGQUIT) after 30 s, then SIGKILL after 10 s more.
 * Until it is called, an 'exit' hook asks for a fast shutdown should the process end without it.
 */
export function stopper(child: ChildProcess, log: Log): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const onExit = () => {
    child.kill('SIGINT');
  };
  process.once('exit', onExit);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return () => {
    stopping ??= (async () => {
      process.removeListener('exit', onExit);
      child.ref(); // keep the process alive until the server has exited
      const waitFor = (ms: number) =>
        Promise.race([
          exited.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
        ]);
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      if (await waitFor(30_000)) return;
      log('PostgreSQL did not stop within 30 s: immediate shutdown');
      child.kill('SIGQUIT');
      if (await waitFor(10_000)) return;
      child.kill('SIGKILL');
      await exited;
    })();
    return stopping;
  };
}
