import { parentPort, workerData } from 'node:worker_threads';
import { renderReport } from './render-report';
import type { ReportData } from './report-data';

// Runs in a worker thread: laying out a report of thousands of lines would hold the event loop.
renderReport(workerData as ReportData).then(
  (pdf) => parentPort!.postMessage(pdf, [pdf.buffer as ArrayBuffer]),
  (error: unknown) => {
    throw error;
  },
);
