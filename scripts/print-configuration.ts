import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import { configurationTable } from './configuration-table';

/** Rewrites the table under README's "## Configuration" from the settings (a test fails while it is out of date). */
async function main(): Promise<void> {
  const path = join(__dirname, '..', 'README.md');
  const readme = readFileSync(path, 'utf8');
  const start = readme.indexOf('| env ', readme.indexOf('## Configuration'));
  const end = readme.indexOf('\n\n', start);
  const updated = `${readme.slice(0, start)}${configurationTable()}${readme.slice(end)}`;
  writeFileSync(path, await format(updated, { filepath: path, printWidth: 120, proseWrap: 'preserve' }));
  console.log('README.md configuration table written');
}

void main();
