import { spawn, type ChildProcess } from 'node:child_process';
import { executable } from './binaries';
import { onOutputLines, spawnOptions, type Launch } from './launch';
import type { Log } from './public-types';

/** The log line after which the server accepts connections. */
const READY_LINE = 'database system is ready to accept connections';

export type StartOutcome = { ok: true; child: ChildProcess } | { ok: false; portInUse: boolean; output: string[] };

/**
 * Runs `postgres` on `port` and waits for it to be ready. On failure the outcome carries its output, and tells
 * whether another process holds the port (a free port chosen earlier can be taken meanwhile: the caller retries).
 */
export function spawnServer(
  launch: Launch,
  port: number,
  durable: boolean,
  timeoutMs: number,
  log: Log,
): Promise<StartOutcome> {
  const args = [
    '-D',
    launch.pgdata,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'lc_messages=C',
    ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  ];
  // Detached: its own process group, so a terminal's Ctrl-C reaches only us and we stop it in order.
  const child = spawn(executable(launch.binDir, 'postgres'), args, { ...spawnOptions(launch), detached: true });
  return new Promise((resolve) => {
    const output: string[] = [];
    let settled = false;
    const finish = (outcome: StartOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      output.push(`not ready after ${timeoutMs} ms`);
      finish({ ok: false, portInUse: false, output });
    }, timeoutMs);
    onOutputLines(child, (line) => {
      log(`postgres: ${line}`);
      if (!settled) output.push(line);
      if (line.includes(READY_LINE)) finish({ ok: true, child });
    });
    child.once('error', (error) => finish({ ok: false, portInUse: false, output: [...output, error.message] }));
    child.once('exit', (code, signal) => {
      output.push(`postgres exited (code ${code}, signal ${signal})`);
      finish({
        ok: false,
        portInUse: output.some((line) => /could not (bind|create listen)|Address already in use/i.test(line)),
        output,
      });
    });
  });
}
