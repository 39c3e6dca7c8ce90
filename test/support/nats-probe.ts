import { createConnection } from 'node:net';

/** The NATS server the tests that need one use (TEST_NATS_URL, or the local default). */
export const TEST_NATS_URL = process.env.TEST_NATS_URL || 'nats://127.0.0.1:4222';

/** Resolves whether a NATS server with JetStream greets at `url` within `timeoutMs` (its INFO line says so). */
export function pingNats(url = TEST_NATS_URL, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let greeting = '';
    const socket = createConnection({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 4222) });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk) => {
      greeting += String(chunk);
      if (greeting.includes('\r\n')) done(greeting.startsWith('INFO ') && greeting.includes('"jetstream":true'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
