import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Environment variables of the platform, not settings of this service. */
const PLATFORM = new Set(['PATH', 'TEMP', 'TZ']);
const READS = /\benv\.([A-Z][A-Z0-9_]+)|FromEnv\('([A-Z][A-Z0-9_]+)'|\(env, '([A-Z][A-Z0-9_]+)'/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the README configuration table', () => {
  it('documents every environment variable the service reads', () => {
    const root = join(__dirname, '..');
    const read = new Set<string>();
    for (const file of sources(join(root, 'src')))
      for (const match of readFileSync(file, 'utf8').matchAll(READS)) read.add(match[1] ?? match[2] ?? match[3]);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const table = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5),
    );
    const undocumented = [...read].filter((name) => !PLATFORM.has(name) && !table.includes(`\`${name}\``));
    expect(undocumented).toEqual([]);
    expect(read.size).toBeGreaterThan(20);
  });
});
