import { count, flag, positive, text, type SettingsOf } from '../core/settings';

/** The exports' environment variables. */
export const exportSettings = {
  EXPORT_URL_SECRET: text({
    default: undefined,
    desc: 'HMAC-SHA256 key of export download links; unset: a development key with a warning, and in production no download links until it is set',
  }),
  EXPORT_PUBLIC_URL: text({
    default: undefined,
    desc: 'the base of download links (e.g. `https://audit.example.com`); unset: the scheme and host the request came to',
  }),
  EXPORT_RETENTION_SECONDS: positive({
    default: 7 * 24 * 3600,
    desc: 'seconds a finished export stays downloadable (default 7 days); then its file is deleted and it shows as `EXPIRED`',
  }),
  EXPORT_WORKER: flag({
    default: true,
    desc: '`off`: this replica runs no export jobs (it still serves and queues them)',
  }),
  EXPORT_LEASE_MS: positive({
    default: 30_000,
    desc: 'how long a worker holds an export without renewing its lease; a job whose lease lapsed (its worker died) is taken over by any replica',
  }),
  EXPORT_POLL_MS: positive({ default: 2000, desc: 'how often queued, abandoned and expired exports are looked for' }),
  EXPORT_PDF_MAX_EVENTS: positive({
    default: 1000,
    desc: 'events listed in a PDF report (its summary counts every matching event)',
  }),
  EXPORT_PDF_FONT: text({
    default: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
    desc: 'a TrueType font for PDF reports, for text beyond Latin-1 (Debian: fonts-dejavu-core); a missing file falls back to Helvetica',
  }),
  EXPORT_SMTP_URL: text({
    default: undefined,
    desc: 'SMTP server of scheduled exports sent by email (`smtp://user:pass@host:587`, `smtps://...`); unset: email destinations fail',
  }),
  EXPORT_SMTP_FROM: text({ default: 'audit-exports@localhost', desc: 'the sender of scheduled exports’ emails' }),
  EXPORT_SFTP_PRIVATE_KEY_PATH: text({
    default: undefined,
    desc: 'the SSH private key (OpenSSH format) scheduled exports log in to SFTP servers with; unset: SFTP destinations fail',
  }),
  EXPORT_MAX_ROWS_PER_SECOND: count({
    default: 0,
    desc: 'the most rows a second one export reads, to spare the database (`0`: no limit)',
  }),
};

export type ExportSettings = SettingsOf<typeof exportSettings>;

export const DEVELOPMENT_EXPORT_URL_SECRET = 'audit-subgraph-development-export-url-secret';

/** The key of download links; null in production without EXPORT_URL_SECRET (then no link is given or honoured). */
export function exportUrlSecret(settings: ExportSettings, production: boolean): string | null {
  if (settings.EXPORT_URL_SECRET) return settings.EXPORT_URL_SECRET;
  return production ? null : DEVELOPMENT_EXPORT_URL_SECRET;
}
