import PDFDocument from 'pdfkit';
import type { ReportData } from './report-data';

const MARGIN = 50;

/** Lays the report out as a PDF: the criteria, the summary tables, the anomaly flags, then the events. */
export function renderReport(data: ReportData): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: `Audit log report ${data.exportId}` } });
  if (data.fontPath) {
    doc.registerFont('body', data.fontPath);
    doc.font('body');
  }
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;
  const heading = (text: string) => doc.moveDown(0.8).fontSize(14).text(text).moveDown(0.3).fontSize(9);

  doc.fontSize(18).text('Audit log report');
  doc.fontSize(9).text(`Tenant ${data.tenantId} · export ${data.exportId} · generated ${data.generatedAt}`);

  heading('Filter');
  if (data.criteria.length === 0) doc.text('All events of the tenant (no filter, no search).');
  for (const line of data.criteria) doc.text(line, { width });

  heading('Summary');
  doc.text(`${data.total.toLocaleString('en-US')} events matched.`);
  for (const summary of data.summaries) {
    doc.moveDown(0.5).fontSize(11).text(summary.title).fontSize(9);
    for (const row of summary.rows) doc.text(`${row.label}: ${row.count.toLocaleString('en-US')}`, { width });
    if (summary.truncated) doc.text('(more groups not shown)');
  }

  heading('Anomaly flags');
  if (data.alerts.length === 0) doc.text('No alerts were raised in the period.');
  for (const alert of data.alerts)
    doc.text(`${alert.raisedAt}  ${alert.severity}  ${alert.status}  ${alert.summary}`, { width });

  heading(`Events (up to ${data.eventCap.toLocaleString('en-US')}, newest first)`);
  if (data.events.length === 0) doc.text('No events matched.');
  for (const event of data.events) {
    doc.text(`${event.occurredAt}  ${event.action}  ${event.entity}  by ${event.actor}`, { width });
    if (event.detail) doc.fillColor('#555555').text(`    ${event.detail}`, { width }).fillColor('black');
  }
  if (data.total > data.events.length)
    doc
      .moveDown()
      .text(
        `${(data.total - data.events.length).toLocaleString('en-US')} more events are not listed: export CSV, JSON or NDJSON for all of them.`,
      );
  doc.end();
  return ended;
}
