import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const RSYSLOGD = '/usr/sbin/rsyslogd';
const GTLS = ['/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so', '/usr/lib/aarch64-linux-gnu/rsyslog/lmnsd_gtls.so'];

/** rsyslog with its GnuTLS driver (Debian's rsyslog and rsyslog-gnutls), and openssl for the certificate. */
export const rsyslogAvailable = existsSync(RSYSLOGD) && GTLS.some((file) => existsSync(file)) && hasOpenssl();

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
}

/** `describe` when rsyslog is installed, `describe.skip` otherwise: reported skipped, not passed. */
export const describeWithRsyslog: jest.Describe = rsyslogAvailable ? describe : describe.skip;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Rsyslog {
  port: number;
  /** The PEM certificate rsyslog presents (self-signed for 127.0.0.1): the stream's CA. */
  certificate: string;
  /** Every message rsyslog received, as it received it (`%rawmsg%`), one a line. */
  messages(): Promise<string[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
  cleanUp(): Promise<void>;
}

/**
 * rsyslogd in the foreground on an ephemeral port of 127.0.0.1, receiving syslog over TLS (imtcp with the gtls
 * driver, RFC 5425 octet counting) with a self-signed certificate made by openssl, writing each raw message to a file.
 */
export async function startRsyslog(): Promise<Rsyslog> {
  const dir = await mkdtemp(path.join(tmpdir(), 'audit-rsyslog-'));
  const port = await freePort();
  const [key, cert, out] = ['key.pem', 'cert.pem', 'out.log'].map((file) => path.join(dir, file));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const config = path.join(dir, 'rsyslog.conf');
  await writeFile(
    config,
    `global(workDirectory="${dir}" maxMessageSize="64k"
  defaultNetstreamDriver="gtls"
  defaultNetstreamDriverCAFile="${cert}" defaultNetstreamDriverCertFile="${cert}" defaultNetstreamDriverKeyFile="${key}")
module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" port="${port}" address="127.0.0.1")
template(name="raw" type="string" string="%rawmsg%\\n")
action(type="omfile" file="${out}" template="raw")
`,
  );
  let child: ChildProcess | null = null;
  const rsyslog: Rsyslog = {
    port,
    certificate: await readFile(cert, 'utf8'),
    async messages() {
      const text = await readFile(out, 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean);
    },
    async start() {
      const started = spawn(RSYSLOGD, ['-n', '-f', config, '-i', path.join(dir, 'rsyslogd.pid')], { stdio: 'ignore' });
      child = started;
      // Ready once the port accepts connections.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const open = await new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.once('connect', () => {
            socket.destroy();
            resolve(true);
          });
          socket.once('error', () => resolve(false));
        });
        if (open) return;
        if (started.exitCode !== null || Date.now() > deadline) throw new Error('rsyslogd did not start listening');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGTERM');
      });
    },
    async cleanUp() {
      await rsyslog.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await rsyslog.start();
  return rsyslog;
}
