import { createTestDatabase, type TestDatabase } from '../support/database';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { waitUntil } from '../support/wait';
import { describeWithRsyslog, startRsyslog, type Rsyslog } from './rsyslog';
import { expectDeliveredInOrder } from './sink-receiver';
import { caughtUp, createStream, newTenant, recordChanges, streamOf } from './stream-support';

/** RFC 5424: `<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] BOM MSG`. */
const RFC5424 =
  /^<110>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) audit-subgraph - (\S+) \[audit@32473 id="([^"]+)" sequence="(\d+)" tenant="([^"]+)"\] \uFEFF(.*)$/;

describeWithRsyslog('SYSLOG streams to rsyslog over TLS (RFC 5424, RFC 5425 framing)', () => {
  let database: TestDatabase;
  let rsyslog: Rsyslog;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    rsyslog = await startRsyslog();
    server = await startTestServer({
      database,
      env: {
        OUTBOUND_ALLOWED_HOSTS: `127.0.0.1:${rsyslog.port}`,
        STREAM_POLL_MS: '100',
        STREAM_RETRY_BASE_MS: '50',
        STREAM_RETRY_MAX_MS: '200',
        STREAM_TIMEOUT_MS: '2000',
      },
    });
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    await rsyslog?.cleanUp();
    await database?.drop();
  });

  it('delivers every matching event as an RFC 5424 message, in order, across a restart of rsyslog', async () => {
    const tenant = await newTenant();
    const stream = await createStream(server, tenant.admin, {
      kind: 'SYSLOG',
      endpoint: `syslog+tls://127.0.0.1:${rsyslog.port}`,
      format: 'OCSF',
      match: 'action:UPDATE',
      options: { caCertificate: rsyslog.certificate },
    });
    const parsed = async () =>
      (await rsyslog.messages())
        .map((line) => RFC5424.exec(line))
        .filter((match): match is RegExpExecArray => match !== null && match[6] === tenant.org);
    const before = await recordEvents(server, tenant.service, recordChanges(700));
    await caughtUp(server, tenant.admin, stream.id);
    await waitUntil(
      async () => (await parsed()).length >= before.length,
      () => 'rsyslog has not written them all',
    );

    await rsyslog.stop();
    const during = await recordEvents(server, tenant.service, recordChanges(300));
    await waitUntil(
      async () => (await streamOf(server, tenant.admin, stream.id)).lastError !== null,
      () => 'the stream never noticed rsyslog was down',
    );
    await rsyslog.start();
    await caughtUp(server, tenant.admin, stream.id);
    const all = [...before, ...during];
    await waitUntil(
      async () => (await parsed()).length >= all.length,
      () => 'rsyslog has not written them all',
    );

    const messages = await parsed();
    expectDeliveredInOrder(
      messages.map((match) => ({ id: match[4], sequence: match[5] })),
      all,
    );
    const document = JSON.parse(messages[0][7]);
    expect(messages[0][3]).toBe('UPDATE');
    expect(document).toMatchObject({ class_uid: 6003, type_uid: 600303, metadata: { uid: messages[0][4] } });
  }, 30_000); // 1000 events through rsyslog, and its restart
});
