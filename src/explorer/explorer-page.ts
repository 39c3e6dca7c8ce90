import type { ExplorerAsset } from './explorer-assets';

export interface ExplorerPageOptions {
  /** Where the assets are served, e.g. `/graphql/explorer/`. */
  assetBase: string;
  assets: ExplorerAsset[];
  /** The GraphQL endpoint's path; the page turns it into the HTTP and WebSocket URLs of its own origin. */
  endpointPath: string;
  /** Prefilled in GraphiQL's Headers tab. */
  headers: Record<string, string>;
  defaultQuery: string;
}

/** Serialised for a `<script type="application/json">` element: nothing in it can close the element. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The explorer's HTML: the stylesheets, a mount point, the settings as JSON, then the scripts in order. */
export function renderExplorerPage(options: ExplorerPageOptions): string {
  const url = (asset: ExplorerAsset) => escapeAttribute(`${options.assetBase}${asset.name}`);
  const styles = options.assets.filter((asset) => asset.contentType.startsWith('text/css'));
  const scripts = options.assets.filter((asset) => asset.contentType.startsWith('text/javascript'));
  const settings = {
    path: options.endpointPath,
    schemaUrl: `${options.assetBase}schema.json`,
    headers: options.headers,
    defaultQuery: options.defaultQuery,
  };
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>audit-subgraph explorer</title>
  <link rel="icon" href="data:,">
${styles.map((asset) => `  <link rel="stylesheet" href="${url(asset)}">`).join('\n')}
  <style>html, body, #graphiql { height: 100%; margin: 0; overflow: hidden; }</style>
</head>
<body>
  <div id="graphiql">Loading the explorer…</div>
  <script id="explorer-config" type="application/json">${jsonForScript(settings)}</script>
${scripts.map((asset) => `  <script src="${url(asset)}"></script>`).join('\n')}
</body>
</html>
`;
}
