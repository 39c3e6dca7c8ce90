import { connect } from 'node:net';
import { startTestServer, type TestServer } from '../support/server';

/** Sends one keep-alive request on a raw socket; resolves with the answer's head and when the server closes it. */
function requestAndWatch(url: string): Promise<{ head: string; closed: Promise<number> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let answeredAt = 0;
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - answeredAt)));
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end >= 0 && answeredAt === 0) {
        answeredAt = Date.now();
        resolve({ head: received.slice(0, end).toLowerCase(), closed });
      }
    });
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe('idle keep-alive connections', () => {
  let server: TestServer;
  afterEach(async () => server.stop());

  it('are kept longer than the 60 s idle timeout of the gateways and load balancers in front', async () => {
    server = await startTestServer();
    const { head } = await requestAndWatch(server.url);
    expect(head).toMatch(/^keep-alive: timeout=75$/m);
  });

  it('are closed by the server after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
    server = await startTestServer({ env: { HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000' } });
    const { head, closed } = await requestAndWatch(server.url);
    expect(head).toMatch(/^keep-alive: timeout=1$/m);
    expect(await closed).toBeGreaterThanOrEqual(900);
  });
});
