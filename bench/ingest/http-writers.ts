/**
 * The ingest bench's producers: WRITERS concurrent writers POSTing prepared `recordAuditEvents`
 * bodies, in a process of their own so that the service's process does only the service's work
 * (producers are other services). Driven over IPC by ingest.bench.ts.
 */
import { postBody } from '../support/server';

export interface PreparedBatch {
  writer: number;
  body: string;
}

export type WritersCommand =
  | { cmd: 'load'; endpoint: string; token: string; writers: number; expected: number; batches: PreparedBatch[] }
  | { cmd: 'run' }
  | { cmd: 'close' };

export interface WritersRun {
  cmd: 'done';
  batchMs: number[];
  error?: string;
}

let loaded: Extract<WritersCommand, { cmd: 'load' }> | null = null;

async function run(): Promise<WritersRun> {
  const { endpoint, token, writers, expected, batches } = loaded!;
  const batchMs: number[] = [];
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (const batch of batches.filter((b) => b.writer === writer)) {
        const t0 = performance.now();
        const data = await postBody<{ recordAuditEvents: { recorded?: number } }>(endpoint, batch.body, token);
        if (data.recordAuditEvents.recorded !== undefined && data.recordAuditEvents.recorded !== expected)
          throw new Error(`expected ${expected} events recorded, got ${data.recordAuditEvents.recorded}`);
        batchMs.push(performance.now() - t0);
      }
    }),
  );
  return { cmd: 'done', batchMs };
}

process.on('message', (message: WritersCommand) => {
  if (message.cmd === 'load') {
    loaded = message;
    process.send!({ cmd: 'loaded' });
  } else if (message.cmd === 'run') {
    run().then(
      (result) => process.send!(result),
      (error: Error) => process.send!({ cmd: 'done', batchMs: [], error: error.message }),
    );
  } else process.exit(0);
});
