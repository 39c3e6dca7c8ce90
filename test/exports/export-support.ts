import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { TestServer } from '../support/server';
import { waitUntil } from '../support/wait';

export const EXPORT_FIELDS = `id format status gzip rowsWritten rowsTotal bytes sha256 downloadUrl createdAt createdBy finishedAt expiresAt error personalDataMasked`;

export const START_EXPORT = `mutation Start($input: AuditExportInput!) { startAuditExport(input: $input) { ${EXPORT_FIELDS} } }`;
export const READ_EXPORT = `query Read($id: ID!) { auditExport(id: $id) { ${EXPORT_FIELDS} } }`;
export const START_SUBJECT_ACCESS = `mutation($subjectId: ID!) { startSubjectAccessExport(subjectId: $subjectId) { ${EXPORT_FIELDS} } }`;
export const CANCEL_EXPORT = `mutation Cancel($id: ID!) { cancelAuditExport(id: $id) { ${EXPORT_FIELDS} } }`;

export const EVENT_FIELDS = `id tenantId sequence occurredAt recordedAt
  actor { id email role type impersonatorId } action category entityType entityId
  changes { field oldValue newValue } source ipAddress userAgent sessionId
  location { country region city latitude longitude } metadata redactedFields`;

export interface ExportView {
  id: string;
  status: string;
  rowsWritten: number;
  rowsTotal: number | null;
  bytes: number | null;
  sha256: string | null;
  downloadUrl: string | null;
  error: string | null;
  personalDataMasked: boolean;
}

export async function startExport(
  server: TestServer,
  token: string,
  input: Record<string, unknown>,
): Promise<ExportView> {
  const response = await server.graphql(START_EXPORT, { input }, token);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!.startAuditExport;
}

export async function readExport(server: TestServer, token: string, id: string): Promise<ExportView> {
  const response = await server.graphql(READ_EXPORT, { id }, token);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data!.auditExport;
}

/** Polls the export until its status is one of `statuses`. */
export async function waitForStatus(
  server: TestServer,
  token: string,
  id: string,
  statuses: string[],
  timeoutMs = 10_000,
): Promise<ExportView> {
  let last: ExportView | undefined;
  await waitUntil(
    async () => statuses.includes((last = await readExport(server, token, id)).status),
    () => `export ${id} is ${JSON.stringify(last)}, not ${statuses.join('/')}`,
    timeoutMs,
  );
  return last!;
}

/** The events `auditEvents` lists for the criteria, every field, all pages. */
export async function listedEvents(
  server: TestServer,
  token: string,
  criteria: { filter?: Record<string, unknown>; search?: string; savedFilterId?: string; includeArchived?: boolean },
): Promise<Array<Record<string, any>>> {
  const events: Array<Record<string, any>> = [];
  let after: string | null = null;
  for (;;) {
    const response: any = await server.graphql(
      `query List($filter: AuditEventFilter, $search: String, $savedFilterId: ID, $after: String, $includeArchived: Boolean! = false) {
        auditEvents(filter: $filter, search: $search, savedFilterId: $savedFilterId, first: 500, after: $after, includeArchived: $includeArchived) {
          edges { node { ${EVENT_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
      { ...criteria, after },
      token,
    );
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    const connection = response.data.auditEvents;
    events.push(...connection.edges.map((edge: { node: Record<string, any> }) => edge.node));
    if (!connection.pageInfo.hasNextPage) return events;
    after = connection.pageInfo.endCursor;
  }
}

export async function download(url: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

const JSON_COLUMNS = new Set(['changes', 'location', 'metadata', 'redactedFields']);

/** CSV records back as events shaped like `AuditEvent` (nulls: empty cells). */
export function eventsFromCsv(body: Buffer): { header: string[]; events: Array<Record<string, any>> } {
  const records: string[][] = parse(body, { relax_quotes: false });
  const [header, ...rows] = records;
  const events = rows.map((cells) => {
    const flat = Object.fromEntries(header.map((name, index) => [name, cells[index]]));
    const value = (name: string) => {
      const cell = flat[name];
      if (cell === '' || cell === undefined) return null;
      return JSON_COLUMNS.has(name) ? JSON.parse(cell) : cell;
    };
    const event: Record<string, any> = {};
    for (const name of header) {
      if (name.startsWith('actor.')) continue;
      event[name] = value(name);
    }
    event.actor = {
      id: value('actor.id'),
      email: value('actor.email'),
      role: value('actor.role'),
      type: value('actor.type'),
      impersonatorId: value('actor.impersonatorId'),
    };
    return event;
  });
  return { header, events };
}

export function maybeGunzip(body: Buffer, gzip: boolean): Buffer {
  return gzip ? gunzipSync(body) : body;
}

/**
 * An event with its JSON values in one spelling: a location's absent keys and nulls alike, a change's
 * absent values as null; `emptyIsNull` for CSV, whose empty cell cannot tell "" from null.
 */
export function comparable(event: Record<string, any>, emptyIsNull = false): Record<string, any> {
  const copy = JSON.parse(JSON.stringify(event));
  if (emptyIsNull) for (const [key, value] of Object.entries(copy)) if (value === '') copy[key] = null;
  if (copy.location)
    copy.location = Object.fromEntries(Object.entries(copy.location).filter(([, value]) => value !== null));
  copy.changes = (copy.changes ?? []).map((change: Record<string, unknown>) => ({
    field: change.field,
    oldValue: change.oldValue ?? null,
    newValue: change.newValue ?? null,
  }));
  return copy;
}

/** The data subject of the subject access tests. */
export const ALICE = { id: 'alice', email: 'Alice.Smith@example.com' };

/**
 * Events of which Alice is the subject, one per way of being it: actor, impersonator, the `User`
 * record, her id as a value in `changes`; occurring at `at(0)` to `at(3)`.
 */
export function alicesEvents(at: (n: number) => string, login: Record<string, unknown> = {}) {
  return [
    { occurredAt: at(0), actor: ALICE, action: 'LOGIN', ipAddress: '198.51.100.7', ...login },
    {
      occurredAt: at(1),
      actor: { id: 'carol', impersonatorId: 'alice' },
      action: 'VIEW',
      entityType: 'Deal',
      entityId: 'd1',
    },
    {
      occurredAt: at(2),
      actor: { id: 'bob' },
      action: 'UPDATE',
      entityType: 'User',
      entityId: 'alice',
      changes: [{ field: 'phone', oldValue: '+33 1 11', newValue: '+33 1 22' }],
    },
    {
      occurredAt: at(3),
      actor: { id: 'bob' },
      action: 'UPDATE',
      entityType: 'Lead',
      entityId: 'l1',
      changes: [{ field: 'owner', oldValue: 'carol', newValue: 'alice' }],
    },
  ];
}
