import { decodeJwt } from 'jose';
import { loadAppConfig as loadConfig } from '../../src/modules';
import { startTestServer, type TestServer } from '../support/server';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

async function page(server: TestServer) {
  const response = await fetch(`${server.url}/graphql`, { headers: HTML });
  const text = await response.text();
  const settings = /<script id="explorer-config" type="application\/json">(.*?)<\/script>/s.exec(text)?.[1];
  return { response, text, settings: settings ? JSON.parse(settings) : undefined };
}

describe('the explorer route', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
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
    const schema = (await (await fetch(`${server.url}/graphql/explorer/schema.json`)).json()) as any;
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
  it('is on by default, off in production, and EXPLORER_ENABLED decides either way', () => {
    expect(loadConfig({}).explorerEnabled).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x' }).explorerEnabled).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x', EXPLORER_ENABLED: 'true' }).explorerEnabled).toBe(
      true,
    );
    expect(loadConfig({ EXPLORER_ENABLED: '0' }).explorerEnabled).toBe(false);
    expect(() => loadConfig({ EXPLORER_ENABLED: 'maybe' })).toThrow(
      /EXPLORER_ENABLED must be true or false, got "maybe"/,
    );
  });

  it('serves no page in production, and one without a token when switched on there', async () => {
    const production = await startTestServer({ env: { NODE_ENV: 'production' } });
    try {
      const { response, settings } = await page(production);
      expect(response.headers.get('content-type')).not.toMatch(/html/);
      expect(settings).toBeUndefined();
      expect(
        (await fetch(`${production.url}/graphql/explorer/graphiql.min.js`)).headers.get('content-type'),
      ).not.toMatch(/javascript/);
    } finally {
      await production.stop();
    }
    const switchedOn = await startTestServer({ env: { NODE_ENV: 'production', EXPLORER_ENABLED: 'true' } });
    try {
      const { response, settings } = await page(switchedOn);
      expect(response.status).toBe(200);
      expect(settings.headers.Authorization).not.toMatch(/^Bearer ey/);
    } finally {
      await switchedOn.stop();
    }
  });
});
