import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { createTransport } from 'nodemailer';
import SftpClient from 'ssh2-sftp-client';
import type { Knex } from '@mikro-orm/postgresql';
import { checkOutboundAddress, type OutboundAllowList } from '../../net/outbound-url';
import type { Logger } from '../../observability/logger';
import type { ObjectStore } from '../../storage/object-store';
import type { ExportRow } from '../export-jobs';
import { exportFileName } from '../export-file';
import { findSchedule, recordDelivery, type ScheduleRow } from './schedule-jobs';
import { ExportDestination } from './schedule.types';

export interface DeliveryOptions {
  knex: Knex;
  store: () => ObjectStore;
  outbound: OutboundAllowList;
  /** A signed download link for a schedule's recipients (null without a base URL). */
  link: (row: ExportRow, base: string | null) => string | null;
  smtpUrl?: string;
  smtpFrom: string;
  sftpPrivateKey?: string;
  log: Logger;
}

/** `sftp://user@host:port/folder`, its host checked like every URL a tenant admin configures. */
async function sftpTarget(text: string, outbound: OutboundAllowList) {
  const url = new URL(text);
  if (url.protocol !== 'sftp:' || !url.hostname || !url.username)
    throw new Error('the SFTP URL must be sftp://user@host[:port]/folder');
  const port = Number(url.port || 22);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const { address } = await lookup(host);
  checkOutboundAddress(outbound, address, port);
  return {
    host: address,
    port,
    username: decodeURIComponent(url.username),
    folder: decodeURIComponent(url.pathname) || '/',
  };
}

/** A host key's fingerprint as `ssh-keygen -lf` prints it. */
function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Uploads the export's file over SFTP to a server that shows the expected host key only: the
 * connection is dropped before logging in when it shows another.
 * @throws Error saying which key the server showed, when it is not the expected one.
 */
async function deliverBySftp(options: DeliveryOptions, schedule: ScheduleRow, row: ExportRow): Promise<void> {
  if (!options.sftpPrivateKey) throw new Error('EXPORT_SFTP_PRIVATE_KEY_PATH is not set');
  const expected = schedule.sftp_host_key;
  if (!expected) throw new Error('the schedule has no expected SFTP host key (sftpHostKey): nothing is sent');
  const target = await sftpTarget(schedule.sftp_url ?? '', options.outbound);
  const body = await options.store().get(row.object_key!);
  if (!body) throw new Error('the export’s file is gone');
  let shown: string | null = null;
  // The client's default listeners print to the console; a connection that ends is expected here.
  const sftp = new SftpClient('export-delivery', {
    error: (err) => options.log.warn({ err, exportId: row.id }, 'exports: the SFTP connection failed'),
    end: () => undefined,
    close: () => undefined,
  });
  try {
    await sftp.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      privateKey: options.sftpPrivateKey,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => (shown = fingerprintOf(key)) === expected,
    });
  } catch (error) {
    body.destroy();
    if (shown !== null && shown !== expected)
      throw new Error(`the SFTP server's host key is ${shown}, not the expected ${expected}: nothing was sent`);
    throw error;
  }
  try {
    await sftp.put(body, `${target.folder.replace(/\/+$/, '')}/${exportFileName(row)}`);
  } finally {
    await sftp.end();
  }
}

/** Sends a scheduled export to its schedule's destination; records the outcome on the schedule. */
export async function deliverExport(options: DeliveryOptions, row: ExportRow): Promise<void> {
  if (!row.schedule_id) return;
  const schedule = await findSchedule(options.knex, row.tenant_id, row.schedule_id);
  if (!schedule) return;
  try {
    if (schedule.destination === ExportDestination.SFTP) {
      await deliverBySftp(options, schedule, row);
    } else if (schedule.destination === ExportDestination.EMAIL) {
      if (!options.smtpUrl) throw new Error('EXPORT_SMTP_URL is not set');
      const link = options.link(row, schedule.link_base);
      await createTransport(options.smtpUrl).sendMail({
        from: options.smtpFrom,
        to: schedule.email_to,
        subject: `Audit export "${schedule.name}" is ready`,
        text:
          `The scheduled export "${schedule.name}" (${schedule.frequency.toLowerCase()}, ${row.format}) is ready: ` +
          `${row.rows_written} events, SHA-256 ${row.sha256}.\n\n` +
          (link
            ? `Download it within 10 minutes: ${link}\nLater, read export ${row.id} again for a new link.\n`
            : `Export id: ${row.id}\n`),
      });
    }
    await recordDelivery(options.knex, row.tenant_id, schedule.id, {
      delivered_at: new Date(),
      last_delivery_error: null,
    });
  } catch (error) {
    options.log.warn(
      { err: error, scheduleId: schedule.id, exportId: row.id },
      'exports: a scheduled export could not be delivered',
    );
    await recordDelivery(options.knex, row.tenant_id, schedule.id, {
      last_delivery_error: error instanceof Error ? error.message : String(error),
    });
  }
}
