/**
 * A replica that only delivers streams (no traffic reaches it), in a process of its own: with
 * BENCH_STREAMS_DELIVERY=replica the bench's ingesting replica runs with STREAMS_DELIVERY=off, as a
 * deployment that keeps delivery off its write path does. Driven over IPC by streams.bench.ts.
 */
import { startBenchServer, type BenchServer } from '../support/server';

export type DeliveryReplicaCommand =
  { cmd: 'start'; databaseUrl: string; env: Record<string, string> } | { cmd: 'stop' };

let server: BenchServer | null = null;

process.on('message', (message: DeliveryReplicaCommand) => {
  if (message.cmd === 'start')
    void startBenchServer(message.databaseUrl, message.env).then((started) => {
      server = started;
      process.send!({ cmd: 'started' });
    });
  else void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
});
