import { decodeJwt } from 'jose';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config';
import { loadAppConfig as loadConfig } from '../../src/modules';
import { startTestServer, type TestServer } from '../support/server';
import { adminToken } from '../support/tokens';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

async function page(server: TestServer) {
  const response = await fetch(`${server.url}/graphql`, { headers: HTML });
  const text = await response.text();
  const settings = /<script id="explorer-config" type="application\/json">(.*?)<\/script>/s.exec(text)?.[1];
  return { response, text, settings: settings ? JSON.parse(settings) : undefined };
}

/** Runs `check` against a server started with `env`, then stops it. */
async function withServer(env: Record<string, string>, check: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer({ env });
  try {
    await check(server);
  } finally {
    await server.stop();
  }
}

async function expectNoExplorer(server: TestServer): Promise<void> {
  const { response, settings } = await page(server);
  expect(response.headers.get('content-type')).not.toMatch(/html/);
  expect(settings).toBeUndefined();
  expect((await fetch(`${server.url}/graphql/explorer/graphiql.min.js`)).headers.get('content-type')).not.toMatch(
    /javascript/,
  );
}

/** The page is there, and its Headers tab holds a placeholder, not a token. */
async function expectExplorerWithoutToken(server: TestServer): Promise<void> {
  const { response, text, settings } = await page(server);
  expect(response.status).toBe(200);
  expect(settings.headers.Authorization).toBe('Bearer <a token from your identity provider>');
  expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/);
}

describe('the explorer route, on the development secret', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET } });
  });
  afterAll(() => server.stop());

  it('serves GraphiQL to a browser, with a working ADMIN token for tenant demo and the sample query', async () => {
    const { response, text, settings } = await page(server);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'.*connect-src 'self'/);
    expect(text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    const token = settings.headers.Authorization.replace(/^Bearer /, '');
    expect(decodeJwt(token)).toMatchObject({ org: 'demo', role: 'ADMIN' });
    const answer = await server.graphql(settings.defaultQuery, {}, token);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.auditEvents.edges).toEqual([]);
  });

  it('serves the packaged files from node_modules, and the schema', async () => {
    const { text } = await page(server);
    const sources = [...text.matchAll(/(?:src|href)="(\/graphql\/explorer\/[^"]+)"/g)].map((match) => match[1]);
    expect(sources).toHaveLength(6);
    for (const source of sources) {
      const response = await fetch(`${server.url}${source}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(
        source.endsWith('.css') ? /^text\/css/ : /^text\/javascript/,
      );
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    const schema = await (await fetch(`${server.url}/graphql/explorer/schema.json`)).json();
    expect(schema.data.__schema.queryType.name).toBe('Query');
    expect((await fetch(`${server.url}/graphql/explorer/nope.js`)).status).toBe(404);
  });

  it('leaves every other request to Apollo', async () => {
    const json = await fetch(`${server.url}/graphql`, { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json.status).toBe(400); // a GET without a query: Apollo's answer, not the page
    const withQuery = await fetch(`${server.url}/graphql?query=%7B__typename%7D`, {
      headers: { ...HTML, 'apollo-require-preflight': '1' },
    });
    expect(withQuery.headers.get('content-type')).toMatch(/json/);
    expect(await withQuery.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await server.graphql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });
});

describe('the explorer switch', () => {
  it('is on only with the development secret, unless EXPLORER_ENABLED says otherwise', () => {
    expect(loadConfig({}).explorerEnabled).toBe(true);
    expect(loadConfig({ AUTH_JWT_SECRET: 'a-real-secret' }).explorerEnabled).toBe(false);
    expect(loadConfig({ AUTH_JWKS_URL: 'https://id.example.com/jwks' }).explorerEnabled).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x' }).explorerEnabled).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x', EXPLORER_ENABLED: 'true' }).explorerEnabled).toBe(
      true,
    );
    expect(loadConfig({ EXPLORER_ENABLED: '0' }).explorerEnabled).toBe(false);
    expect(() => loadConfig({ EXPLORER_ENABLED: 'maybe' })).toThrow(
      /EXPLORER_ENABLED must be true or false, got "maybe"/,
    );
  });

  it('refuses to run production on the development secret, whose tokens anyone can sign', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toThrow(
      /must not be the development secret/,
    );
  });

  it('serves no page on a real secret, and one without a token when switched on', async () => {
    await withServer({}, expectNoExplorer);
    await withServer({ EXPLORER_ENABLED: 'true' }, async (server) => {
      await expectExplorerWithoutToken(server);
      // The server still answers the tokens of its real secret: the explorer only stopped handing them out.
      expect((await server.graphql('{ alertRules { key } }', {}, await adminToken())).errors).toBeUndefined();
    });
  });

  it('serves no page on JWKS, and one without a token when switched on', async () => {
    const jwks = { AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' };
    await withServer(jwks, expectNoExplorer);
    await withServer({ ...jwks, EXPLORER_ENABLED: 'true' }, expectExplorerWithoutToken);
  });

  it('serves no page in production, and one without a token when switched on there', async () => {
    await withServer({ NODE_ENV: 'production' }, expectNoExplorer);
    await withServer({ NODE_ENV: 'production', EXPLORER_ENABLED: 'true' }, expectExplorerWithoutToken);
  });

  it('hands out no token on the development secret when the explorer is switched off', async () => {
    await withServer({ AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET, EXPLORER_ENABLED: 'false' }, expectNoExplorer);
  });
});
