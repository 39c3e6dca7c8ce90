import { hostname } from 'node:os';
import { connect, type TLSSocket } from 'node:tls';
import { guardedLookup } from '../../net/outbound-request';
import { checkOutboundUrl, needsAddressCheck, outboundPort } from '../../net/outbound-url';
import type { StreamRecord } from '../formats/format-event';
import { DeliveryError, networkMessage, type Sink, type SinkSetup } from './sink';

const MAX_RECORDS = 500;
const MAX_BYTES = 1024 * 1024;
/** RFC 5425's port for syslog over TLS. */
const DEFAULT_PORT = 6514;
/** facility 13 (log audit) × 8 + severity 6 (informational). */
const PRI = 13 * 8 + 6;
/** RFC 5612's documentation enterprise number: the structured data's id until the product has one of its own. */
const SD_ID = 'audit@32473';
const BOM = '\uFEFF';

/** `syslog+tls://host:port` (or `tls://`): the address, checked under the outbound policy like an HTTPS URL. */
export function syslogAddress(endpoint: string): URL {
  const given = new URL(endpoint);
  if (given.protocol !== 'syslog+tls:' && given.protocol !== 'tls:')
    throw new DeliveryError('a SYSLOG endpoint is syslog+tls://host:port');
  return new URL(
    `https://${given.hostname.includes(':') ? `[${given.hostname}]` : given.hostname}:${given.port || DEFAULT_PORT}/`,
  );
}

const sdValue = (value: string) => value.replace(/["\\\]]/g, (char) => `\\${char}`);
const printable = (value: string, max: number) => value.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';

/** One RFC 5424 message: the document as JSON in MSG, the id and sequence as structured data. */
export function syslogMessage(record: StreamRecord, host: string, tenantId: string): string {
  const data = `[${SD_ID} id="${sdValue(record.id)}" sequence="${record.sequence}" tenant="${sdValue(tenantId)}"]`;
  return `<${PRI}>1 ${record.occurredAt.toISOString()} ${printable(host, 255)} audit-subgraph - ${printable(record.action, 32)} ${data} ${BOM}${record.json}`;
}

/** RFC 5425 (RFC 6587 octet counting): `MSG-LEN SP SYSLOG-MSG`. */
export const octetCounted = (message: string) => `${Buffer.byteLength(message)} ${message}`;

/**
 * Syslog over TLS (RFC 5425), one connection kept between batches. TLS gives no application acknowledgement: a
 * batch counts as delivered once TLS has taken all of it onto a connection that is still open, and a connection
 * that fails sends the whole batch again on a new one.
 */
export function syslogSink(setup: SinkSetup): Sink {
  const host = hostname();
  let socket: TLSSocket | null = null;

  function open(): Promise<TLSSocket> {
    const address = checkOutboundUrl(setup.allowList, syslogAddress(setup.stream.endpoint).toString());
    const port = outboundPort(address);
    const servername = address.hostname.replace(/^\[(.*)\]$/, '$1');
    return new Promise<TLSSocket>((resolve, reject) => {
      const opened = connect({
        host: servername,
        port,
        servername: /^[\d.]+$|:/.test(servername) ? undefined : servername,
        ca: setup.stream.options.caCertificate ?? undefined,
        timeout: setup.timeoutMs,
        ...(needsAddressCheck(setup.allowList, address) ? { lookup: guardedLookup(setup.allowList, port) } : {}),
      });
      const timer = setTimeout(
        () => opened.destroy(new Error('the TLS handshake did not end in time')),
        setup.timeoutMs,
      );
      opened.once('secureConnect', () => {
        clearTimeout(timer);
        opened.setKeepAlive(true);
        opened.on('error', () => opened.destroy());
        resolve(opened);
      });
      opened.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  function write(connection: TLSSocket, frames: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const closed = () => reject(new Error('the syslog connection closed'));
      const timer = setTimeout(
        () => connection.destroy(new Error('the syslog server did not take the batch in time')),
        setup.timeoutMs,
      );
      connection.once('close', closed);
      connection.write(frames, (error) => {
        clearTimeout(timer);
        connection.removeListener('close', closed);
        if (error || connection.destroyed) reject(error ?? new Error('the syslog connection closed'));
        else resolve();
      });
    });
  }

  return {
    maxRecords: MAX_RECORDS,
    async deliver(records) {
      const frames: string[] = [];
      let bytes = 0;
      for (const record of records.slice(0, MAX_RECORDS)) {
        const frame = octetCounted(syslogMessage(record, host, setup.stream.tenantId));
        if (frames.length > 0 && bytes + frame.length > MAX_BYTES) break;
        frames.push(frame);
        bytes += Buffer.byteLength(frame);
      }
      try {
        if (!socket || socket.destroyed) socket = await open();
        await write(socket, frames.join(''));
      } catch (error) {
        socket?.destroy();
        socket = null;
        throw new DeliveryError(networkMessage(error));
      }
      return frames.length;
    },
    close() {
      socket?.end();
      socket = null;
    },
  };
}
