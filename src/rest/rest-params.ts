import { BadUserInputError } from '../errors';
import { AuditAction } from '../events/enums';
import { decodeCursor } from '../reading/cursor';
import { MAX_PAGE_SIZE } from '../reading/page';
import { parseSearchArgument } from '../search/parse';
import { AuditStatsDimension, StatsInterval } from '../stats/stats.types';

type Query = Record<string, unknown>;

/** One value of a query parameter; a repeated one is refused. */
function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadUserInputError(name, 'must be given once, as text');
  return value.trim() === '' ? undefined : value.trim();
}

/** Comma-separated values. */
function list(query: Query, name: string): string[] | undefined {
  const value = single(query, name);
  return value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function instant(query: Query, name: string): string | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?$/.test(value) || Number.isNaN(Date.parse(value)))
    throw new BadUserInputError(
      name,
      'must be an ISO-8601 date or date-time with a time zone, e.g. 2026-05-01T00:00:00Z',
    );
  return new Date(/T/.test(value) ? value : `${value}T00:00:00Z`).toISOString();
}

/** `startDate` and `endDate` as an AuditEventFilter's range. */
function range(query: Query): { from?: string; to?: string } {
  const from = instant(query, 'startDate');
  const to = instant(query, 'endDate');
  if (from && to && from > to) throw new BadUserInputError('startDate', 'must not be after `endDate`');
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

export interface PageParams {
  first: number;
  after: string | null;
}

/** `limit` (1–500, default 50) and `cursor`. */
export function pageParams(query: Query): PageParams {
  const limit = single(query, 'limit');
  const first = limit === undefined ? 50 : Number(limit);
  if (!/^\d+$/.test(limit ?? '50') || first < 1 || first > MAX_PAGE_SIZE)
    throw new BadUserInputError('limit', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  const cursor = single(query, 'cursor');
  if (cursor !== undefined) decodeCursor(cursor, 'cursor');
  return { first, after: cursor ?? null };
}

/** The list's criteria: the same filter and search syntax as `auditEvents`. */
export function listCriteria(query: Query): { filter: Record<string, unknown>; search: string | null } {
  const actions = list(query, 'action')?.map((action) => action.toUpperCase());
  const unknown = actions?.find((action) => !(action in AuditAction));
  if (unknown) throw new BadUserInputError('action', `"${unknown}" is not an audit action`);
  const userIds = list(query, 'userId');
  const entityTypes = list(query, 'entityType');
  const search = single(query, 'search') ?? null;
  if (search) parseSearchArgument(search, 'search');
  return {
    filter: {
      ...range(query),
      ...(userIds ? { actorIds: userIds } : {}),
      ...(actions ? { actions } : {}),
      ...(entityTypes ? { entityTypes } : {}),
    },
    search,
  };
}

/** `startDate`, `endDate`, `groupBy` (comma-separated dimensions of `auditStats`), `interval`. */
export function statsParams(query: Query): {
  filter: Record<string, unknown>;
  groupBy: string[];
  interval: string | null;
} {
  const groupBy = (list(query, 'groupBy') ?? []).map((dimension) => dimension.toUpperCase());
  const unknown = groupBy.find((dimension) => !(dimension in AuditStatsDimension));
  if (unknown)
    throw new BadUserInputError(
      'groupBy',
      `"${unknown}" is not one of ${Object.values(AuditStatsDimension).join(', ')}`,
    );
  const interval = single(query, 'interval')?.toUpperCase() ?? null;
  if (interval && !(interval in StatsInterval))
    throw new BadUserInputError('interval', `must be one of ${Object.values(StatsInterval).join(', ')}`);
  return { filter: range(query), groupBy, interval };
}
