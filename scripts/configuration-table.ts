import type { ValidatorSpec } from 'envalid';
import { serverSettings } from '../src/config';
import { modules } from '../src/modules';

const cell = (text: string) => text.replace(/\|/g, '\\|');

function defaultOf(spec: ValidatorSpec<unknown>): string {
  if (spec.default === undefined) return 'unset';
  return typeof spec.default === 'boolean' ? (spec.default ? '`on`' : '`off`') : `\`${String(spec.default)}\``;
}

/** The README's configuration table, written from the settings the service reads (server first, then each module). */
export function configurationTable(): string {
  const rows = [
    { module: 'server', spec: serverSettings as Record<string, ValidatorSpec<unknown>> },
    ...modules.flatMap((module) => (module.settings ? [{ module: module.name, spec: module.settings }] : [])),
  ].flatMap(({ module, spec }) =>
    Object.entries(spec).map(
      ([name, validator]) => `| \`${name}\` | ${module} | ${cell(validator.desc ?? '')} | ${defaultOf(validator)} |`,
    ),
  );
  return ['| env | module | meaning | default |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
