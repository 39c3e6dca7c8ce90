import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config';
import { recordEvents } from '../support/events';
import { startTestServer, type TestServer } from '../support/server';
import { signToken } from '../support/tokens';

/** The page's DOM, inside page.evaluate callbacks (the tests compile without the DOM library). */
declare const document: { querySelector(selector: string): any };

/** Debian's `chromium` package; `.ci/run` installs it. Elsewhere: CHROMIUM_PATH=/path/to/chrome. */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `SKIPPED: the explorer browser test needs Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where only the explorer's own server may be reached. */
const LOCAL = /^(https?|wss?):\/\/127\.0\.0\.1:\d+\/|^(data|blob):/;

/** The explorer hands out a token only on the development secret, so the producer signs with it too. */
const serviceToken = () =>
  signToken({ org: 'demo', role: 'SERVICE', sub: 'crm-service@demo', secret: DEVELOPMENT_JWT_SECRET });

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

const responseText = (page: Page) =>
  page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? '');

(haveChromium ? describe : describe.skip)('the explorer in headless Chromium', () => {
  let server: TestServer;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ env: { AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET } });
    const service = await serviceToken();
    await recordEvents(server, service, [
      {
        occurredAt: minutesAgo(30),
        actor: { id: 'jane.smith' },
        action: 'CREATE',
        entityType: 'Lead',
        entityId: 'L-1',
        after: { status: 'New' },
      },
      {
        occurredAt: minutesAgo(20),
        actor: { id: 'jane.smith' },
        action: 'UPDATE',
        entityType: 'Lead',
        entityId: 'L-1',
        changes: [{ field: 'status', oldValue: 'New', newValue: 'Contacted' }],
      },
      {
        occurredAt: minutesAgo(10),
        actor: { id: 'jane.smith' },
        action: 'LOGIN',
        ipAddress: '203.0.113.10',
        userAgent: 'Mozilla/5.0',
        location: { city: 'London', country: 'GB' },
      },
    ]);
    profile = mkdtempSync(path.join(tmpdir(), 'explorer-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: LAUNCH_ARGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => requested.push(request.url()));
    page.on('websocket', (socket) => requested.push(socket.url()));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.stop();
  });

  it('opens GraphiQL on GET /graphql, runs the sample query as-is and shows the events', async () => {
    const started = Date.now();
    await page.goto(`${server.url}/graphql`);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 30_000 });
    expect(await page.title()).toBe('audit-subgraph explorer');
    await page.click('.graphiql-execute-button');
    await page.waitForFunction(() => {
      const editor = document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror;
      return editor && /"auditEvents"/.test(editor.getValue());
    });
    const result = JSON.parse(await responseText(page));
    expect(result.errors).toBeUndefined();
    const events = result.data.auditEvents.edges.map((edge: any) => edge.node);
    expect(events.map((event: any) => event.action)).toEqual(['LOGIN', 'UPDATE', 'CREATE']);
    expect(events[1]).toMatchObject({
      actor: { id: 'jane.smith' },
      entityType: 'Lead',
      entityId: 'L-1',
      changes: [{ field: 'status', newValue: 'Contacted' }],
    });
    await page.screenshot({ path: '/tmp/explorer.png' });
    console.log(`explorer loaded and answered in ${Date.now() - started} ms`);
  });

  it('runs a subscription over graphql-ws with the token from the headers', async () => {
    await page.evaluate(() => {
      const editor = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror;
      editor.setValue('subscription Live { auditEventRecorded { action entityId } }');
    });
    await page.waitForTimeout(600); // GraphiQL reads the edited operation after a short debounce
    await page.click('.graphiql-execute-button');
    const socketOpened = Date.now();
    // The subscription is live once the server holds it; write until the browser shows the event.
    await page.waitForFunction(() => typeof WebSocket !== 'undefined');
    const service = await serviceToken();
    let shown = false;
    for (let attempt = 0; attempt < 20 && !shown; attempt++) {
      await recordEvents(server, service, [
        { actor: { id: 'jane.smith' }, action: 'DELETE', entityType: 'Lead', entityId: `L-live-${attempt}` },
      ]);
      shown = await page
        .waitForFunction(
          () => /L-live-/.test(document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()),
          undefined,
          { timeout: 500 },
        )
        .then(
          () => true,
          () => false,
        );
    }
    expect(shown).toBe(true);
    expect(await responseText(page)).toMatch(/"auditEventRecorded"[\s\S]*"action": "DELETE"/);
    expect(requested.some((url) => url.startsWith('ws://127.0.0.1:'))).toBe(true);
    console.log(`subscription delivered in ${Date.now() - socketOpened} ms`);
    await page.click('.graphiql-execute-button'); // stops it
  });

  it('never leaves 127.0.0.1, and the page reports no errors', () => {
    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((url) => !LOCAL.test(url))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
