import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '../support/server';
import { alertsAfter, lastMonday, minutesAfter, newTenant } from './alert-support';
import { writeCityMmdb } from './mmdb-writer';

let folder: string;
let server: TestServer;
beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'geoip-'));
  const file = path.join(folder, 'city.mmdb');
  await writeFile(
    file,
    writeCityMmdb([
      { cidr: '203.0.113.0/24', city: 'Paris', latitude: 48.8566, longitude: 2.3522 },
      { cidr: '198.51.100.0/24', city: 'Tokyo', latitude: 35.6762, longitude: 139.6503 },
      { cidr: '192.0.2.0/24', city: 'Lyon', latitude: 45.764, longitude: 4.8357 },
    ]),
  );
  server = await startTestServer({ env: { GEOIP_DB_PATH: file } });
});
afterAll(async () => {
  await server.stop();
  await rm(folder, { recursive: true, force: true });
});

it('locates logins by IP address with the MaxMind database for impossible-travel', async () => {
  const tenant = await newTenant();
  const monday = lastMonday(10);
  const login = (actor: string, minutes: number, ipAddress: string) => ({
    actor: { id: actor },
    action: 'LOGIN',
    occurredAt: minutesAfter(monday, minutes),
    ipAddress,
  });
  const alerts = await alertsAfter(server, tenant, [
    login('roaming', 0, '203.0.113.10'),
    login('roaming', 90, '198.51.100.20'),
    login('driver', 0, '203.0.113.11'),
    login('driver', 90, '192.0.2.30'),
  ]);
  expect(alerts.map((alert) => [alert.rule.key, alert.actorId])).toEqual([['impossible-travel', 'roaming']]);
  expect(alerts[0].summary).toMatch(/Paris and Tokyo|Tokyo and Paris/);
});
