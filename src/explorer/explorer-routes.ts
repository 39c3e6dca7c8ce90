import { Router, type Request } from 'express';
import { introspectionFromSchema, type GraphQLSchema } from 'graphql';
import { signDevelopmentToken } from '../auth/sign-development-token';
import { DEVELOPMENT_JWT_SECRET, type AppConfig } from '../config';
import { explorerAssets } from './explorer-assets';
import { renderExplorerPage } from './explorer-page';
import { SAMPLE_QUERY } from './sample-query';

/** The tenant whose development token the page carries (the one `npm run seed` fills). */
export const EXPLORER_TENANT = 'demo';

/** Nothing but this origin: scripts and styles from here, requests (HTTP and WebSocket) to here. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A browser opening the endpoint (not a GraphQL GET request, which Apollo answers). */
function wantsExplorer(req: Request): boolean {
  if (req.query && typeof req.query === 'object' && 'query' in req.query) return false;
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

/**
 * Headers prefilled in GraphiQL: a fresh ADMIN token for the demo tenant only on the development secret, which
 * anyone can sign with anyway; with a real secret or JWKS, the caller brings a token of their own.
 */
async function prefilledHeaders(config: AppConfig): Promise<Record<string, string>> {
  const { jwtSecret, jwksUrl, issuer, audience } = config.auth;
  if (jwksUrl || jwtSecret !== DEVELOPMENT_JWT_SECRET)
    return { Authorization: 'Bearer <a token from your identity provider>' };
  const token = await signDevelopmentToken({
    sub: `explorer@${EXPLORER_TENANT}`,
    org: EXPLORER_TENANT,
    role: 'ADMIN',
    issuer,
    audience,
  });
  return { Authorization: `Bearer ${token}` };
}

/**
 * GraphiQL for `GET /graphql` from a browser, and its files under `/graphql/explorer/`; mount at the endpoint's path,
 * before Apollo. Every other request passes through.
 * The page gets the schema from `schema.json` (what an introspection query answers): the standard introspection
 * query nests deeper than MAX_QUERY_DEPTH allows.
 * @throws Error when a package the page needs is not installed (see explorerAssets).
 */
export function explorerRoutes(config: AppConfig, schema: GraphQLSchema, endpointPath = '/graphql'): Router {
  const assets = explorerAssets();
  const byName = new Map(assets.map((asset) => [asset.name, asset]));
  let introspection: string | undefined;
  const router = Router();

  router.get('/', async (req, res, next) => {
    if (!wantsExplorer(req)) return next();
    const page = renderExplorerPage({
      assetBase: `${endpointPath}/explorer/`,
      assets,
      endpointPath,
      headers: await prefilledHeaders(config),
      defaultQuery: SAMPLE_QUERY,
    });
    res.set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': CONTENT_SECURITY_POLICY, Vary: 'Accept' });
    res.type('html').send(page);
  });

  router.get('/explorer/schema.json', (_req, res) => {
    introspection ??= JSON.stringify({ data: introspectionFromSchema(schema) });
    res.set('Cache-Control', 'no-cache').type('json').send(introspection);
  });

  router.get('/explorer/:name', (req, res, next) => {
    const asset = byName.get(req.params.name);
    if (!asset) return void res.status(404).type('text').send('no such explorer file\n');
    res.set({ 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' });
    res.type(asset.contentType);
    if (asset.body !== undefined) res.send(asset.body);
    else res.sendFile(asset.file!, { headers: { 'Content-Type': asset.contentType } }, (err) => err && next(err));
  });

  return router;
}
