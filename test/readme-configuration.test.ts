import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationTable } from '../scripts/configuration-table';

/** The table's cells, whatever the padding prettier gives it; the separator row is left out. */
const cells = (table: string) =>
  table
    .trim()
    .split('\n')
    .filter((line) => !/^\|[\s|:-]+\|$/.test(line))
    .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim()));

describe('the README configuration table', () => {
  it('is the one the settings print (run `npm run config:print` after changing a setting)', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const start = readme.indexOf('| env ', readme.indexOf('## Configuration'));
    const documented = readme.slice(start, readme.indexOf('\n\n', start));
    expect(cells(documented)).toEqual(cells(configurationTable()));
  });

  it('lists no variable that src/ reads outside the settings', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? sources(join(dir, entry.name))
          : entry.name.endsWith('.ts')
            ? [join(dir, entry.name)]
            : [],
      );
    const direct = sources(join(__dirname, '..', 'src')).filter((file) =>
      /process\.env\b/.test(readFileSync(file, 'utf8')),
    );
    expect(direct.map((file) => file.slice(file.indexOf('src')))).toEqual(['src/modules.ts']);
  });
});
