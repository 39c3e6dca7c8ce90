/**
 * The audit subgraph in a process of its own, as deployed: the drain and latency phases of
 * jetstream.bench.ts then time and poll it from outside, and its CPU is its own. Driven over IPC: a
 * server is started and stopped in the same process round after round, so that its code is as warm
 * as a long-running replica's, like the raw baseline's clients in the bench's own process.
 */
import '../support/production-env';
import 'reflect-metadata';
import { startBenchServer, type BenchServer } from '../support/server';

export type SubgraphCommand =
  { cmd: 'start'; databaseUrl: string; env: Record<string, string> } | { cmd: 'stop' } | { cmd: 'exit' };

let server: BenchServer | null = null;

process.on('message', (message: SubgraphCommand) => {
  if (message.cmd === 'start')
    void startBenchServer(message.databaseUrl, message.env).then((started) => {
      server = started;
      process.send!({ url: started.url });
    });
  else if (message.cmd === 'stop')
    void (server?.stop() ?? Promise.resolve()).then(() => {
      server = null;
      process.send!({ stopped: true });
    });
  else void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
});
