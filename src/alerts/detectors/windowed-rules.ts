import { applySearch } from '../../search/search-sql';
import type { SearchQuery } from '../../search/ast';
import { SearchSyntaxError } from '../../search/errors';
import { parseSearch } from '../../search/parse';
import { AlertGroupBy } from '../alert-enums';
import type { AlertRuleEntity } from '../rules/alert-rule.entity';
import { summariesOf, type AlertCandidate, type Detection, type Detector } from './detection';
import { findGroupHits, type GroupHit, type WindowSpec } from './windowed-query';

const GROUP_SQL: Record<AlertGroupBy, string> = {
  [AlertGroupBy.ACTOR]: `'actor:' || e.actor_id`,
  [AlertGroupBy.IP]: `'ip:' || host(e.ip_address)`,
  [AlertGroupBy.ENTITY]: `CASE WHEN e.entity_type IS NOT NULL THEN 'entity:' || e.entity_type || ':' || coalesce(e.entity_id, '') END`,
  [AlertGroupBy.TENANT]: `'tenant'`,
};

const RECORD_COUNT_SQL = `COALESCE(CASE WHEN jsonb_typeof(e.metadata->'recordCount') = 'number' THEN (e.metadata->>'recordCount')::numeric END, 0)`;

const spell = (seconds: number) =>
  seconds === 0
    ? 'the same instant'
    : seconds % 3600 === 0
      ? `${seconds / 3600} hour(s)`
      : seconds % 60 === 0
        ? `${seconds / 60} minute(s)`
        : `${seconds} second(s)`;

/** `actor:jane` → `actor jane`; an address is not spelled out when personal data is masked. */
const spellGroup = (groupKey: string, masked: boolean) =>
  masked && groupKey.startsWith('ip:') ? 'one IP address' : groupKey.replace(':', ' ');

function toCandidate(rule: AlertRuleEntity, hit: GroupHit, say: (group: string) => string): AlertCandidate {
  const actors = new Set(hit.points.map((point) => point.actorId));
  return {
    rule,
    groupKey: hit.groupKey,
    actorId: actors.size === 1 ? hit.points[0].actorId : null,
    ...summariesOf((masked) => say(spellGroup(hit.groupKey, masked))),
    events: hit.points.map(({ id, occurredAt, sequence }) => ({ id, occurredAt, sequence })),
    dedupeKey: `${hit.groupKey}|${hit.points[0].id}`,
    coalesceSeconds: rule.windowSeconds,
  };
}

const base = (rule: AlertRuleEntity) => ({
  threshold: rule.threshold,
  windowSeconds: rule.windowSeconds,
  strictlyOver: false,
});

/** LOGIN_FAILED per actor and per IP; an IP run that is one actor's run raises only the actor's alert. */
export const multipleFailedLogins: Detector = async (rule, detection) => {
  const spec = (groupBy: AlertGroupBy): WindowSpec => ({
    ...base(rule),
    applyMatch: (qb) => qb.where('e.action', 'LOGIN_FAILED'),
    groupSql: GROUP_SQL[groupBy],
  });
  const byActor = await findGroupHits(spec(AlertGroupBy.ACTOR), detection);
  const byIp = (await findGroupHits(spec(AlertGroupBy.IP), detection)).filter(
    (hit) => new Set(hit.points.map((point) => point.actorId)).size > 1,
  );
  return [...byActor, ...byIp].map((hit) =>
    toCandidate(
      rule,
      hit,
      (group) => `${hit.points.length} failed logins for ${group} within ${spell(rule.windowSeconds)}`,
    ),
  );
};

export const bulkExport: Detector = async (rule, detection) => {
  const spec: WindowSpec = {
    ...base(rule),
    strictlyOver: true,
    applyMatch: (qb) => qb.whereIn('e.action', ['EXPORT', 'REPORT_EXPORT']),
    groupSql: GROUP_SQL.ACTOR,
    weightSql: RECORD_COUNT_SQL,
  };
  const hits = await findGroupHits(spec, detection);
  return hits.map((hit) =>
    toCandidate(rule, hit, (group) => `${group} exported ${hit.total} records within ${spell(rule.windowSeconds)}`),
  );
};

export const massDeletion: Detector = async (rule, detection) => {
  const spec: WindowSpec = {
    ...base(rule),
    applyMatch: (qb) => qb.whereIn('e.action', ['DELETE', 'BULK_DELETE']),
    groupSql: GROUP_SQL.ACTOR,
    weightSql: `CASE WHEN e.action = 'DELETE' THEN 1 ELSE ${RECORD_COUNT_SQL} END`,
  };
  const hits = await findGroupHits(spec, detection);
  return hits.map((hit) =>
    toCandidate(rule, hit, (group) => `${group} deleted ${hit.total} records within ${spell(rule.windowSeconds)}`),
  );
};

/** A rule written in the search syntax (validated when it was saved). */
export const customRule: Detector = async (rule, detection: Detection) => {
  let query: SearchQuery;
  try {
    query = parseSearch(rule.match ?? '');
  } catch (error) {
    // Saved before the search limits and over them: it raises nothing until it is saved within them,
    // rather than failing the evaluation of every rule of its tenant.
    if (error instanceof SearchSyntaxError) return [];
    throw error;
  }
  const spec: WindowSpec = {
    ...base(rule),
    applyMatch: (qb) => applySearch(qb, query, { alias: 'e', blindIndex: detection.sealed }),
    groupSql: GROUP_SQL[rule.groupBy],
  };
  const hits = await findGroupHits(spec, detection);
  return hits.map((hit) =>
    toCandidate(
      rule,
      hit,
      (group) => `${rule.name}: ${hit.points.length} matching events for ${group} within ${spell(rule.windowSeconds)}`,
    ),
  );
};
