import { readFile } from 'node:fs/promises';
import type { PublicJwk } from '../src/checkpoints/signed-document';
import { verifyExportManifest } from '../src/exports/verify-export';
import { verifyArchiveFolder, type VerificationReport } from '../src/retention/offline-verify';

const USAGE = [
  'usage: npm run verify -- <archive folder> --keys <JWKS file or https URL>',
  '       npm run verify -- --export <export manifest> --keys <JWKS file or https URL>',
].join('\n');

async function loadKeys(source: string): Promise<PublicJwk[]> {
  const text = /^https?:\/\//.test(source) ? await (await fetch(source)).text() : await readFile(source, 'utf8');
  return (JSON.parse(text) as { keys: PublicJwk[] }).keys;
}

/** One export's file against its manifest (the file next to it), as a report. */
async function verifyExport(manifest: string, keys: Awaited<ReturnType<typeof loadKeys>>): Promise<VerificationReport> {
  const problems = await verifyExportManifest(manifest, keys);
  return { files: 0, events: 0, checkpoints: 0, exports: 1, problems };
}

/**
 * An auditor's check of an archive (and the exports in the same store), or of one export, without
 * the database: exit 0 when everything verifies, 1 otherwise.
 */
async function main(args: string[]): Promise<number> {
  const valueOf = (flag: string) => (args.indexOf(flag) >= 0 ? args[args.indexOf(flag) + 1] : undefined);
  const keySource = valueOf('--keys');
  const exportManifest = valueOf('--export');
  const values = new Set([keySource, exportManifest]);
  const folder = args.find((arg) => !arg.startsWith('--') && !values.has(arg));
  if ((!folder && !exportManifest) || !keySource) {
    console.error(USAGE);
    return 2;
  }
  const keys = await loadKeys(keySource);
  const report = exportManifest ? await verifyExport(exportManifest, keys) : await verifyArchiveFolder(folder!, keys);
  for (const { file, sequence, problem } of report.problems)
    console.log(`FAIL ${file}${sequence ? ` sequence ${sequence}` : ''}: ${problem}`);
  const summary = `${report.files} files, ${report.events} events, ${report.checkpoints} checkpoints, ${report.exports} exports`;
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
