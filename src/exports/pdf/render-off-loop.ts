import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ReportData } from './report-data';

/** Renders the report in a worker thread; resolves with the PDF's bytes. */
export function renderOffLoop(data: ReportData, signal: AbortSignal): Promise<Buffer> {
  const source = __filename.endsWith('.ts');
  const worker = new Worker(path.join(__dirname, `report-worker.${source ? 'ts' : 'js'}`), {
    workerData: data,
    // Run from sources (tests, `npm start`), the worker compiles its TypeScript like the main thread.
    execArgv: source ? ['--require', 'ts-node/register/transpile-only'] : [],
  });
  return new Promise<Buffer>((resolve, reject) => {
    const abort = () => void worker.terminate().then(() => reject(new Error('the report was aborted')));
    signal.addEventListener('abort', abort, { once: true });
    worker.once('message', (bytes: Uint8Array) =>
      resolve(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
    );
    worker.once('error', reject);
    worker.once('exit', (code) => {
      signal.removeEventListener('abort', abort);
      if (code !== 0) reject(new Error(`the report worker exited with ${code}`));
    });
  });
}
