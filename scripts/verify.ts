import { readFile } from 'node:fs/promises';
import type { PublicJwk } from '../src/checkpoints/signed-document';
import { verifyArchiveFolder } from '../src/retention/offline-verify';

const USAGE = 'usage: npm run verify -- <archive folder> --keys <JWKS file or https URL>';

async function loadKeys(source: string): Promise<PublicJwk[]> {
  const text = /^https?:\/\//.test(source) ? await (await fetch(source)).text() : await readFile(source, 'utf8');
  return (JSON.parse(text) as { keys: PublicJwk[] }).keys;
}

/** An auditor's check of an archive, without the database: exit 0 when everything verifies, 1 otherwise. */
async function main(args: string[]): Promise<number> {
  const keysAt = args.indexOf('--keys');
  const keySource = keysAt >= 0 ? args[keysAt + 1] : undefined;
  const folder = args.find((arg, index) => !arg.startsWith('--') && index !== keysAt + 1);
  if (!folder || !keySource) {
    console.error(USAGE);
    return 2;
  }
  const report = await verifyArchiveFolder(folder, await loadKeys(keySource));
  for (const { file, sequence, problem } of report.problems)
    console.log(`FAIL ${file}${sequence ? ` sequence ${sequence}` : ''}: ${problem}`);
  const summary = `${report.files} files, ${report.events} events, ${report.checkpoints} checkpoints`;
  console.log(report.problems.length === 0 ? `OK ${summary}` : `${report.problems.length} problems in ${summary}`);
  return report.problems.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(2);
  },
);
