import { existsSync } from 'node:fs';
import path from 'node:path';
import { EXPLORER_CLIENT_JS } from './explorer-client';

/** One file the explorer page loads: from an installed npm package, or built in (`body`). */
export interface ExplorerAsset {
  /** The URL name under `/graphql/explorer/`. */
  name: string;
  contentType: string;
  /** Absolute path of a file in node_modules. */
  file?: string;
  body?: string;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Files in node_modules, by package and path inside it; loaded in this order (React before GraphiQL). */
const PACKAGED: Array<{ name: string; pkg: string; file: string; contentType: string }> = [
  { name: 'graphiql.min.css', pkg: 'graphiql', file: 'graphiql.min.css', contentType: CSS },
  { name: 'react.production.min.js', pkg: 'react', file: 'umd/react.production.min.js', contentType: JS },
  { name: 'react-dom.production.min.js', pkg: 'react-dom', file: 'umd/react-dom.production.min.js', contentType: JS },
  { name: 'graphiql.min.js', pkg: 'graphiql', file: 'graphiql.min.js', contentType: JS },
  { name: 'graphql-ws.min.js', pkg: 'graphql-ws', file: 'umd/graphql-ws.min.js', contentType: JS },
];

/** A package's folder (every package here exports `./package.json`, or has no `exports` at all). */
function packageDir(pkg: string): string {
  try {
    return path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`The explorer needs the npm package "${pkg}": run \`npm install\`, or set EXPLORER_ENABLED=false`);
  }
}

/**
 * Every file of the explorer page, in load order: GraphiQL, React and graphql-ws served from node_modules (so it
 * works offline), then our own script.
 * @throws Error naming the missing package or file, saying what to do.
 */
export function explorerAssets(): ExplorerAsset[] {
  const assets: ExplorerAsset[] = PACKAGED.map(({ name, pkg, file, contentType }) => {
    const absolute = path.join(packageDir(pkg), file);
    if (!existsSync(absolute))
      throw new Error(
        `The explorer needs ${pkg}/${file}, which is missing: run \`npm install\`, or set EXPLORER_ENABLED=false`,
      );
    return { name, contentType, file: absolute };
  });
  assets.push({ name: 'explorer.js', contentType: JS, body: EXPLORER_CLIENT_JS });
  return assets;
}
