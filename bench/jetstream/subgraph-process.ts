/**
 * The audit subgraph in a process of its own, as deployed: the drain and latency phases of
 * jetstream.bench.ts then time and poll it from outside, and its CPU is its own. Driven over IPC.
 */
import '../support/production-env';
import 'reflect-metadata';
import { startBenchServer, type BenchServer } from '../support/server';

export type SubgraphCommand = { cmd: 'start'; databaseUrl: string; env: Record<string, string> } | { cmd: 'stop' };

let server: BenchServer | null = null;

process.on('message', (message: SubgraphCommand) => {
  if (message.cmd === 'start')
    void startBenchServer(message.databaseUrl, message.env).then((started) => {
      server = started;
      process.send!({ url: started.url });
    });
  else void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
});
