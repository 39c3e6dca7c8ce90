import type { Knex } from '@mikro-orm/postgresql';
import { SEALED_PREFIX, type SealableRow, type SealedValues } from '../core/sealed-values';
import type { ArchiveSearch } from '../reading/archive-search';
import type { Cursor } from '../reading/cursor';
import type { ExportQuery } from './export-query';

/** Events whose changes are read this many at a time while looking for the subject's sealed values. */
const PAGE = 1000;
/** The subject's distinct emails looked for in changes (an actor rarely has more than a few). */
const MAX_EMAILS = 100;

/**
 * A subject access export's criterion made whole when it runs: the subject's emails (from its events
 * as an actor, live and archived, opened), and the live events whose sealed change values open to
 * its id or one of them. Sealed values have no index of their own here: each live event with a sealed
 * change up to the export's chain head is opened once, a page at a time (a subject access export is
 * rare; its memory holds ids only). Archived events' sealed changes are opened by the archive search,
 * which matches them against the same values.
 */
export async function withSubjectMatches(
  knex: Knex,
  sealed: SealedValues,
  archive: ArchiveSearch,
  query: ExportQuery,
): Promise<ExportQuery> {
  const subject = query.criteria.subject;
  if (!subject) return query;
  const events = () =>
    knex('audit_events as e').where('e.tenant_id', query.tenantId).andWhere('e.sequence', '<=', query.headSequence);
  const emails: SealableRow[] = await events()
    .distinct('e.actor_email')
    .where('e.actor_id', subject.id)
    .whereNotNull('e.actor_email')
    .limit(MAX_EMAILS);
  if (query.includeArchived) emails.push(...(await archivedEmails(archive, query.tenantId, subject.id)));
  await sealed.open(knex, emails);
  const values = new Set(
    [subject.id, ...emails.map((row) => row.actor_email)].flatMap((value) => value?.toLowerCase() ?? []),
  );
  const eventIds: string[] = [];
  let after = '0';
  for (;;) {
    const page: Array<SealableRow & { id: string; sequence: string }> = await events()
      .select('e.id', 'e.sequence', 'e.changes')
      .andWhere('e.sequence', '>', after)
      .whereRaw('e.changes::text LIKE ?', [`%"${SEALED_PREFIX}%`])
      .orderBy('e.sequence')
      .limit(PAGE);
    await sealed.open(knex, page);
    for (const row of page)
      if (row.changes?.some((change) => [change.oldValue, change.newValue].some((value) => matches(values, value))))
        eventIds.push(row.id);
    if (page.length < PAGE) break;
    after = page.at(-1)!.sequence;
  }
  return {
    ...query,
    criteria: { ...query.criteria, subject: { id: subject.id, matches: { values: [...values], eventIds } } },
  };
}

const matches = (values: ReadonlySet<string>, value: unknown): boolean =>
  typeof value === 'string' && values.has(value.toLowerCase());

/** The emails of the subject's archived events as an actor (sealed or not), read a page at a time. */
async function archivedEmails(archive: ArchiveSearch, tenantId: string, subjectId: string): Promise<SealableRow[]> {
  const emails = new Set<string>();
  let cursor: Cursor | null = null;
  for (;;) {
    const page = await archive(tenantId, { filter: { actorIds: [subjectId] } }, PAGE, cursor);
    for (const row of page) if (row.actor_email !== null && emails.size < MAX_EMAILS) emails.add(row.actor_email);
    if (page.length < PAGE) return [...emails].map((email) => ({ actor_email: email }));
    cursor = { occurredUs: page.at(-1)!.occurred_us, id: page.at(-1)!.id };
  }
}
