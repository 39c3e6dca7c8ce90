import dns from 'node:dns';
import dnsPromises from 'node:dns/promises';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startTestServer, type TestServer } from '../support/server';
import { alertsAfter, newTenant, waitUntil } from './alert-support';
import { webhookReceiver, type Receiver } from './webhook-receiver';

const CREATE = `mutation C($input: AlertRuleInput!) { createAlertRule(input: $input) { id webhookUrl } }`;
const UPDATE = `mutation U($id: ID!, $input: AlertRuleInput!) { updateAlertRule(id: $id, input: $input) { id webhookUrl } }`;
const RULES = `{ alertRules { id webhookUrl } }`;
const DELIVERIES = `{ alerts(first: 50) { edges { node { id
  webhookDelivery { status attempts lastStatus lastError nextAttemptAt deliveredAt failedAt } } } } }`;
const CONFIG_CHANGES = `{ auditEvents(filter: { actions: [CONFIG_CHANGE], entityTypes: ["AlertRule"] }) {
  edges { node { changes { field oldValue newValue } metadata } } } }`;

/** Fast retries, so that a capped delivery gives up within the test. */
const FAST = { ALERT_WEBHOOK_RETRY_BASE_MS: '20', ALERT_WEBHOOK_POLL_MS: '20', ALERT_WEBHOOK_MAX_ATTEMPTS: '3' };

const exportEvent = { actor: { id: 'exporter' }, action: 'EXPORT', metadata: { recordCount: 3 } };
const ruleInput = (webhookUrl: string) => ({
  name: 'any export',
  severity: 'CRITICAL',
  match: 'action:EXPORT',
  webhookUrl,
});

interface Delivery {
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  failedAt: string | null;
}

async function deliveryOf(server: TestServer, admin: string, alertId: string): Promise<Delivery | null> {
  const response = await server.graphql(DELIVERIES, {}, admin);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  const edge = response.data!.alerts.edges.find((e: { node: { id: string } }) => e.node.id === alertId);
  return edge.node.webhookDelivery;
}

/** Polls the public API until the alert's delivery is no longer PENDING. */
async function settledDelivery(server: TestServer, admin: string, alertId: string): Promise<Delivery> {
  let delivery: Delivery | null = null;
  await waitUntil(
    async () => {
      delivery = await deliveryOf(server, admin, alertId);
      return delivery !== null && delivery.status !== 'PENDING';
    },
    () => `delivery still pending: ${JSON.stringify(delivery)}`,
    15_000,
  );
  return delivery!;
}

/** A tenant with a webhook rule on `url`, and the id of one alert it raised. */
async function alertWithWebhook(server: TestServer, url: string) {
  const tenant = await newTenant();
  const created = await server.graphql(CREATE, { input: ruleInput(url) }, tenant.admin);
  expect(created.errors).toBeUndefined();
  const [alert] = await alertsAfter(server, tenant, [exportEvent]);
  return { tenant, ruleId: created.data!.createAlertRule.id as string, alertId: alert.id };
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('webhook URLs when saved', () => {
  let server: TestServer;
  let admin: string;
  beforeAll(async () => {
    server = await startTestServer({ database });
    admin = (await newTenant()).admin;
  });
  afterAll(() => server.stop());

  it.each([
    ['a scheme other than http(s)', 'ftp://hooks.example.com/x', /must be http or https/],
    ['a file URL', 'file:///etc/passwd', /must be http or https/],
    ['loopback', 'http://127.0.0.1/hook', /loopback/],
    ['loopback in IPv6', 'http://[::1]/hook', /loopback/],
    ['loopback in hex', 'http://0x7f000001/hook', /127\.0\.0\.1 is a loopback/],
    ['loopback as one number', 'http://2130706433/hook', /127\.0\.0\.1 is a loopback/],
    ['loopback shortened', 'http://127.1/hook', /127\.0\.0\.1 is a loopback/],
    ['loopback in octal', 'http://017700000001/hook', /127\.0\.0\.1 is a loopback/],
    ['localhost', 'http://localhost:5432/', /localhost is this machine/],
    ['a name under localhost', 'http://db.localhost/', /this machine/],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/hook', /127\.0\.0\.1 is a loopback/],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/', /linkLocal/],
    ['IPv4-mapped metadata', 'http://[::ffff:a9fe:a9fe]/', /169\.254\.169\.254 is a linkLocal/],
    ['a private address', 'http://10.1.2.3/hook', /private/],
    ['another private address', 'https://192.168.0.10/hook', /private/],
    ['link-local IPv6', 'http://[fe80::1]/hook', /linkLocal/],
    ['unique-local IPv6 (AWS metadata)', 'http://[fd00:ec2::254]/', /uniqueLocal/],
    ['CGNAT (Alibaba metadata)', 'http://100.100.100.200/', /carrierGradeNat/],
    ['multicast', 'http://224.0.0.1/', /multicast/],
    ['unspecified', 'http://0.0.0.0:4001/', /unspecified/],
    ['unspecified IPv6', 'http://[::]/', /unspecified/],
    ['NAT64 of loopback', 'http://[64:ff9b::7f00:1]/', /rfc6052/],
  ])('refuses %s as BAD_USER_INPUT on input.webhookUrl', async (_what, url, reason) => {
    const { errors } = await server.graphql(CREATE, { input: ruleInput(url) }, admin);
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.webhookUrl' });
    expect(errors![0].message).toMatch(reason);
  });

  it('refuses them on update too', async () => {
    const created = await server.graphql(CREATE, { input: ruleInput('https://hooks.example.com/a') }, admin);
    const { errors } = await server.graphql(
      UPDATE,
      { id: created.data!.createAlertRule.id, input: ruleInput('http://169.254.169.254/') },
      admin,
    );
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.webhookUrl' });
  });

  it('refuses a name that resolves to an internal address', async () => {
    // Resolution is faked for one name only: a public resolver cannot be relied on in CI.
    const lookup = jest.spyOn(dnsPromises, 'lookup').mockImplementation((async (hostname: string) => {
      if (hostname === 'inward.example.test') return [{ address: '10.0.0.7', family: 4 }];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    }) as unknown as typeof dnsPromises.lookup);
    try {
      const { errors } = await server.graphql(CREATE, { input: ruleInput('https://inward.example.test/h') }, admin);
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.webhookUrl' });
      expect(errors![0].message).toMatch(/10\.0\.0\.7 is a private address/);
    } finally {
      lookup.mockRestore();
    }
  });

  it('lets a host through when OUTBOUND_ALLOWED_HOSTS lists it, on that port only', async () => {
    const allowing = await startTestServer({ database, env: { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1:8080, 10.0.0.0/8' } });
    try {
      const tenant = await newTenant();
      const saved = async (url: string) =>
        (await allowing.graphql(CREATE, { input: ruleInput(url) }, tenant.admin)).errors;
      expect(await saved('http://127.0.0.1:8080/hook')).toBeUndefined();
      expect(await saved('http://10.20.30.40/hook')).toBeUndefined();
      expect((await saved('http://127.0.0.1:8081/hook'))?.[0]?.extensions?.argument).toBe('input.webhookUrl');
      expect((await saved('http://192.168.1.1/hook'))?.[0]?.extensions?.argument).toBe('input.webhookUrl');
    } finally {
      await allowing.stop();
    }
  });
});

describe('webhook deliveries', () => {
  const receivers: Receiver[] = [];
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  });
  async function receiver(answer?: Parameters<typeof webhookReceiver>[0]) {
    const started = await webhookReceiver(answer);
    receivers.push(started);
    return started;
  }
  async function server(env: Record<string, string>) {
    const started = await startTestServer({ database, env: { ...FAST, ...env } });
    servers.push(started);
    return started;
  }

  it('send the URL’s credentials but never show them, and keep them when the masked URL comes back', async () => {
    const hook = await receiver({ status: 204 });
    const app = await server({ OUTBOUND_ALLOWED_HOSTS: hook.host });
    const secretUrl = `http://hook-user:s3cr3t-pass@${hook.host}/hook`;
    const masked = `http://***@${hook.host}/hook`;
    const { tenant, ruleId, alertId } = await alertWithWebhook(app, secretUrl);

    expect(await settledDelivery(app, tenant.admin, alertId)).toMatchObject({
      status: 'DELIVERED',
      attempts: 1,
      lastStatus: 204,
      nextAttemptAt: null,
    });
    const basic = `Basic ${Buffer.from('hook-user:s3cr3t-pass').toString('base64')}`;
    expect(hook.received[0].headers.authorization).toBe(basic);

    const rules = (await app.graphql(RULES, {}, tenant.admin)).data!.alertRules;
    expect(rules.find((rule: { id: string }) => rule.id === ruleId).webhookUrl).toBe(masked);
    const updated = await app.graphql(UPDATE, { id: ruleId, input: ruleInput(masked) }, tenant.admin);
    expect(updated.data!.updateAlertRule.webhookUrl).toBe(masked);
    const changes = await app.graphql(CONFIG_CHANGES, {}, tenant.admin);
    expect(changes.errors).toBeUndefined();
    expect(JSON.stringify(changes.data)).not.toMatch(/s3cr3t|hook-user/);

    const [second] = await alertsAfter(app, tenant, [{ ...exportEvent, actor: { id: 'second-exporter' } }]);
    expect((await settledDelivery(app, tenant.admin, second.id)).status).toBe('DELIVERED');
    expect(hook.received.map((request) => request.headers.authorization)).toEqual([basic, basic]);
  });

  it('follow no redirect: a 3xx is a failed attempt, and the cap turns it into FAILED', async () => {
    const target = await receiver({ status: 204 });
    const hook = await receiver({ status: 307, headers: { location: target.url } });
    const app = await server({ OUTBOUND_ALLOWED_HOSTS: `${hook.host},${target.host}` });
    const { tenant, alertId } = await alertWithWebhook(app, hook.url);

    const delivery = await settledDelivery(app, tenant.admin, alertId);
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: 3, lastStatus: 307, nextAttemptAt: null });
    expect(delivery.lastError).toMatch(/redirects are not followed/);
    expect(delivery.failedAt).not.toBeNull();
    expect(hook.attempts()).toBe(3);
    expect(target.attempts()).toBe(0);
  });

  it('stop after ALERT_WEBHOOK_MAX_ATTEMPTS failures, with the last error visible', async () => {
    const hook = await receiver({ status: 503 });
    const app = await server({ OUTBOUND_ALLOWED_HOSTS: hook.host });
    const { tenant, alertId } = await alertWithWebhook(app, hook.url);

    expect(await settledDelivery(app, tenant.admin, alertId)).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      lastStatus: 503,
      lastError: 'HTTP 503',
    });
    expect(hook.attempts()).toBe(3);
  });

  it('check the address again at delivery: a URL allowed when saved is refused once no longer allowed', async () => {
    const hook = await receiver({ status: 204 });
    const tenant = await newTenant();
    const saving = await startTestServer({ database, env: { OUTBOUND_ALLOWED_HOSTS: hook.host } });
    try {
      expect((await saving.graphql(CREATE, { input: ruleInput(hook.url) }, tenant.admin)).errors).toBeUndefined();
    } finally {
      await saving.stop();
    }

    const delivering = await server({});
    const [alert] = await alertsAfter(delivering, tenant, [exportEvent]);
    const delivery = await settledDelivery(delivering, tenant.admin, alert.id);
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: 3, lastStatus: null });
    expect(delivery.lastError).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(hook.attempts()).toBe(0);
  });

  it('resolve the name at every delivery and connect only to a checked address (DNS rebinding)', async () => {
    const hook = await receiver({ status: 204 });
    const app = await server({});
    // The name looks public when saved, then points at the receiver on loopback: a rebinding resolver, faked.
    let answer = '93.184.215.14';
    const fakeLookup = (hostname: string) => (hostname === 'rebind.example.test' ? answer : null);
    const promised = jest.spyOn(dnsPromises, 'lookup').mockImplementation((async (hostname: string) => {
      const address = fakeLookup(hostname);
      if (!address) throw Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' });
      return [{ address, family: 4 }];
    }) as unknown as typeof dnsPromises.lookup);
    const realLookup = dns.lookup;
    const callback = jest.spyOn(dns, 'lookup').mockImplementation(((
      hostname: string,
      options: dns.LookupOptions,
      done: (error: Error | null, addresses: dns.LookupAddress[]) => void,
    ) => {
      const address = fakeLookup(hostname);
      if (!address) return realLookup(hostname, options, done as never);
      done(null, [{ address, family: 4 }]);
    }) as unknown as typeof dns.lookup);
    try {
      const url = `http://rebind.example.test:${hook.port}/hook`;
      const tenant = await newTenant();
      expect((await app.graphql(CREATE, { input: ruleInput(url) }, tenant.admin)).errors).toBeUndefined();
      answer = '127.0.0.1';
      const [alert] = await alertsAfter(app, tenant, [exportEvent]);
      const delivery = await settledDelivery(app, tenant.admin, alert.id);
      expect(delivery).toMatchObject({ status: 'FAILED', attempts: 3 });
      expect(delivery.lastError).toMatch(/127\.0\.0\.1 is a loopback address/);
      expect(hook.attempts()).toBe(0);
    } finally {
      promised.mockRestore();
      callback.mockRestore();
    }
  });
});
