import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { ExportFrequency, nextRunAfter, periodBefore } from '../../src/exports/schedules/schedule-period';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken, serviceToken } from '../support/tokens';
import { waitUntil } from '../support/wait';
import { download, listedEvents, waitForStatus } from './export-support';

const run = promisify(execFile);

describe('schedule periods (pure)', () => {
  const at = (text: string) => new Date(text);
  it('runs at the start of the next day, week (Monday) or month, and exports the period before', () => {
    const wednesday = at('2026-07-15T13:45:00Z');
    expect(nextRunAfter(ExportFrequency.DAILY, wednesday)).toEqual(at('2026-07-16T00:00:00Z'));
    expect(nextRunAfter(ExportFrequency.WEEKLY, wednesday)).toEqual(at('2026-07-20T00:00:00Z'));
    expect(nextRunAfter(ExportFrequency.MONTHLY, wednesday)).toEqual(at('2026-08-01T00:00:00Z'));
    expect(nextRunAfter(ExportFrequency.MONTHLY, at('2026-12-31T23:59:59Z'))).toEqual(at('2027-01-01T00:00:00Z'));
    expect(nextRunAfter(ExportFrequency.WEEKLY, at('2026-07-19T10:00:00Z'))).toEqual(at('2026-07-20T00:00:00Z'));
    expect(periodBefore(ExportFrequency.DAILY, at('2026-07-16T00:00:00Z'))).toEqual({
      from: at('2026-07-15T00:00:00Z'),
      to: at('2026-07-15T23:59:59.999Z'),
    });
    expect(periodBefore(ExportFrequency.WEEKLY, at('2026-07-20T00:00:00Z'))).toEqual({
      from: at('2026-07-13T00:00:00Z'),
      to: at('2026-07-19T23:59:59.999Z'),
    });
    expect(periodBefore(ExportFrequency.MONTHLY, at('2026-03-01T00:00:00Z'))).toEqual({
      from: at('2026-02-01T00:00:00Z'),
      to: at('2026-02-28T23:59:59.999Z'),
    });
  });

  // Fixed dates, one per weekday (Monday 2026-07-13 to Sunday 2026-07-19): the answer never depends on today.
  it.each(['13', '14', '15', '16', '17', '18', '19'])(
    'on every weekday (2026-07-%s) the weekly run is the next Monday and a Monday run exports Monday to Sunday',
    (day) => {
      for (const time of ['00:00:00.000', '23:59:59.999']) {
        const now = at(`2026-07-${day}T${time}Z`);
        expect(nextRunAfter(ExportFrequency.WEEKLY, now)).toEqual(at('2026-07-20T00:00:00Z'));
        expect(periodBefore(ExportFrequency.WEEKLY, nextRunAfter(ExportFrequency.WEEKLY, now))).toEqual({
          from: at('2026-07-13T00:00:00Z'),
          to: at('2026-07-19T23:59:59.999Z'),
        });
        const nextDay = new Date(Date.UTC(2026, 6, Number(day) + 1));
        expect(nextRunAfter(ExportFrequency.DAILY, now)).toEqual(nextDay);
        expect(nextRunAfter(ExportFrequency.MONTHLY, now)).toEqual(at('2026-08-01T00:00:00Z'));
      }
    },
  );
});

const SCHEDULE = `mutation Create($input: AuditExportScheduleInput!) {
  createAuditExportSchedule(input: $input) { id nextRunAt destination } }`;
const RUN = `mutation Run($id: ID!) { runAuditExportSchedule(id: $id) { id status } }`;
const SCHEDULES = `{ auditExportSchedules { id deliveredAt lastDeliveryError lastExportId } }`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** sshd with keys of its own on an ephemeral port: the sftp subsystem is OpenSSH's. */
async function startSshd(
  folder: string,
): Promise<{ port: number; clientKey: string; hostKey: string; child: ChildProcess }> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(folder, 'host_key')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(folder, 'client_key')]);
  await writeFile(path.join(folder, 'authorized_keys'), await readFile(path.join(folder, 'client_key.pub')));
  await mkdir('/run/sshd', { recursive: true });
  const port = await freePort();
  await writeFile(
    path.join(folder, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(folder, 'host_key')}`,
      `PidFile ${path.join(folder, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(folder, 'authorized_keys')}`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${userInfo().username}`,
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      '',
    ].join('\n'),
  );
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(folder, 'sshd_config')], { stdio: 'ignore' });
  await waitUntil(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
        socket.on('error', () => resolve(false));
      }),
    () => 'sshd did not listen',
  );
  // The fingerprint as an operator reads it off the server: `ssh-keygen -lf` prints "256 SHA256:... comment (ED25519)".
  const { stdout } = await run('ssh-keygen', ['-lf', path.join(folder, 'host_key.pub')]);
  return { port, clientKey: path.join(folder, 'client_key'), hostKey: stdout.split(' ')[1], child };
}

const canRunSshd = existsSync('/usr/sbin/sshd') && existsSync('/usr/lib/openssh/sftp-server');
const describeWithSshd = canRunSshd ? describe : describe.skip;

describeWithSshd('scheduled exports delivered', () => {
  let folder: string;
  let sshd: Awaited<ReturnType<typeof startSshd>>;
  let smtp: SMTPServer;
  let smtpPort: number;
  const mails: string[] = [];
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'audit-schedules-'));
    await mkdir(path.join(folder, 'inbox'));
    sshd = await startSshd(folder);
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, _session, done) {
        let text = '';
        stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        stream.on('end', () => {
          mails.push(text);
          done();
        });
      },
    });
    smtpPort = await freePort();
    await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
    server = await startTestServer({
      env: {
        EXPORT_POLL_MS: '100',
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        EXPORT_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        EXPORT_SFTP_PRIVATE_KEY_PATH: sshd.clientKey,
      },
    });
    admin = await adminToken();
    // Events of the day before the run, whatever day the test runs on.
    const yesterday = periodBefore(ExportFrequency.DAILY, new Date()).from.getTime();
    await recordEvents(
      server,
      await serviceToken(),
      Array.from({ length: 8 }, (_, index) => ({
        occurredAt: new Date(yesterday + (index + 1) * 3600_000).toISOString(),
        actor: { id: 'jane' },
        action: index % 2 ? 'UPDATE' : 'DELETE',
        entityType: 'Lead',
        entityId: `lead-${index}`,
      })),
    );
  });
  afterAll(async () => {
    await server.stop();
    sshd.child.kill();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await rm(folder, { recursive: true, force: true });
  });

  async function createSchedule(input: Record<string, unknown>): Promise<{ id: string; nextRunAt: string }> {
    const created = await server.graphql(
      SCHEDULE,
      { input: { name: 'daily deletes', frequency: 'DAILY', ...input } },
      admin,
    );
    if (created.errors) throw new Error(JSON.stringify(created.errors));
    return created.data!.createAuditExportSchedule;
  }

  /** Runs a new schedule now; resolves with its export once delivered, or failed to deliver with `failure`. */
  async function runSchedule(input: Record<string, unknown>, failure: RegExp | null = null) {
    const schedule = await createSchedule(input);
    expect(new Date(schedule.nextRunAt).getTime()).toBeGreaterThan(Date.now());
    const ran = await server.graphql(RUN, { id: schedule.id }, admin);
    const done = await waitForStatus(server, admin, ran.data!.runAuditExportSchedule.id, ['SUCCEEDED', 'FAILED']);
    expect(done).toMatchObject({ status: 'SUCCEEDED', rowsWritten: 4 });
    let state: { deliveredAt: string | null; lastDeliveryError: string | null } | undefined;
    await waitUntil(
      async () => {
        const listed = await server.graphql(SCHEDULES, {}, admin);
        state = listed.data!.auditExportSchedules.find((each: { id: string }) => each.id === schedule.id);
        return Boolean(state?.deliveredAt || state?.lastDeliveryError);
      },
      () => `not delivered: ${JSON.stringify(state)}`,
    );
    if (failure) {
      expect(state!.deliveredAt).toBeNull();
      expect(state!.lastDeliveryError).toMatch(failure);
    } else expect(state!.lastDeliveryError).toBeNull();
    return done;
  }

  const sftpUrl = () => `sftp://${userInfo().username}@127.0.0.1:${sshd.port}${path.join(folder, 'inbox')}`;

  it('to an SFTP server', async () => {
    const done = await runSchedule({
      format: 'CSV',
      filter: { actions: ['DELETE'] },
      destination: 'SFTP',
      sftpUrl: sftpUrl(),
      sftpHostKey: sshd.hostKey,
    });
    // Only this run's file: a schedule of another test may fall due meanwhile (the run crosses midnight).
    const file = `audit-export-${done.id}.csv`;
    expect(await readdir(path.join(folder, 'inbox'))).toContain(file);
    const uploaded = await readFile(path.join(folder, 'inbox', file));
    expect(uploaded.equals((await download(done.downloadUrl!)).body)).toBe(true);
    expect(uploaded.toString('utf8').trim().split('\n')).toHaveLength(5);
  });

  it('not to an SFTP server showing another host key than the schedule expects', async () => {
    const other = `SHA256:${'A'.repeat(43)}`;
    const refused = await runSchedule(
      { format: 'CSV', filter: { actions: ['DELETE'] }, destination: 'SFTP', sftpUrl: sftpUrl(), sftpHostKey: other },
      new RegExp(`host key is ${sshd.hostKey.replace(/[+/]/g, '\\$&')}, not the expected ${other}: nothing was sent`),
    );
    expect(await readdir(path.join(folder, 'inbox'))).not.toContain(`audit-export-${refused.id}.csv`);
    const missing = await server.graphql(
      SCHEDULE,
      { input: { name: 'x', frequency: 'DAILY', format: 'CSV', destination: 'SFTP', sftpUrl: sftpUrl() } },
      admin,
    );
    expect(missing.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.sftpHostKey' });
  });

  it('records each delivered run as an EXPORT event with its record count', async () => {
    const done = await runSchedule({ format: 'NDJSON', filter: { actions: ['DELETE'] }, destination: 'STORE' });
    const [event] = await listedEvents(server, admin, { filter: { actions: ['EXPORT'], entityIds: [done.id] } });
    expect(event).toMatchObject({
      entityType: 'AuditLog',
      actor: { id: 'admin@acme' },
      metadata: { recordCount: 4, format: 'NDJSON', sha256: done.sha256 },
    });
  });

  it('records creating and deleting a schedule as CONFIG_CHANGE events', async () => {
    const schedule = await createSchedule({ format: 'CSV', filter: { actions: ['DELETE'] }, destination: 'STORE' });
    const deleted = await server.graphql(
      `mutation Delete($id: ID!) { deleteAuditExportSchedule(id: $id) }`,
      { id: schedule.id },
      admin,
    );
    expect(deleted.data!.deleteAuditExportSchedule).toBe(true);
    const events = await listedEvents(server, admin, {
      filter: { actions: ['CONFIG_CHANGE'], entityIds: [schedule.id] },
    });
    expect(events.map((event) => [event.entityType, event.metadata.operation])).toEqual([
      ['AuditExportSchedule', 'deleteAuditExportSchedule'],
      ['AuditExportSchedule', 'createAuditExportSchedule'],
    ]);
    expect(events[1].changes).toEqual(
      expect.arrayContaining([
        { field: 'name', oldValue: null, newValue: 'daily deletes' },
        { field: 'destination', oldValue: null, newValue: 'STORE' },
      ]),
    );
    expect(events[0].changes).toEqual(
      expect.arrayContaining([{ field: 'frequency', oldValue: 'DAILY', newValue: null }]),
    );
  });

  it('by email, with the download link', async () => {
    const done = await runSchedule({
      format: 'NDJSON',
      filter: { actions: ['DELETE'] },
      destination: 'EMAIL',
      emailTo: ['compliance@example.com'],
    });
    await waitUntil(
      () => mails.length > 0,
      () => 'no mail arrived',
    );
    const mail = mails
      .at(-1)!
      .replace(/=\r?\n/g, '')
      .replace(/=3D/g, '=');
    expect(mail).toContain('compliance@example.com');
    expect(mail).toContain(`SHA-256 ${done.sha256}`);
    const link = /(http:\/\/\S+\/download\?\S+)/.exec(mail)![1];
    const file = await download(link);
    expect(file.status).toBe(200);
    expect(file.body.toString('utf8').trim().split('\n')).toHaveLength(4);
  });

  it('to the object store', async () => {
    const done = await runSchedule({ format: 'JSON', filter: { actions: ['DELETE'] }, destination: 'STORE' });
    expect(JSON.parse((await download(done.downloadUrl!)).body.toString('utf8'))).toHaveLength(4);
  });

  it('refuses a destination without its address', async () => {
    const bad = await server.graphql(
      SCHEDULE,
      { input: { name: 'x', frequency: 'WEEKLY', format: 'CSV', destination: 'EMAIL' } },
      admin,
    );
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.emailTo' });
  });
});
