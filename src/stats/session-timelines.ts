import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../db/timestamps';
import { windowEvents, type SecurityWindow } from './security-window';
import type { SessionTimeline } from './security.types';

const SESSION_ACTIONS = ['LOGIN', 'LOGOUT', 'SESSION_EXPIRED'];

interface SessionRow {
  session_id: string;
  actor_id: string;
  action: string;
  occurred_at: string;
  ip_address: string | null;
}

/** The `limit` sessions of the window with the latest activity, each with its events oldest first. */
export async function sessionTimelines(knex: Knex, window: SecurityWindow, limit: number): Promise<SessionTimeline[]> {
  const latest = windowEvents(knex, window, SESSION_ACTIONS)
    .whereNotNull('e.session_id')
    .select('e.session_id', knex.raw('max(e.occurred_at) AS last_at'))
    .groupBy('e.session_id')
    .orderBy([{ column: 'last_at', order: 'desc' }, { column: 'e.session_id' }])
    .limit(limit);
  const rows: SessionRow[] = await windowEvents(knex, window, SESSION_ACTIONS)
    .join(knex.raw('(?) AS s ON s.session_id = e.session_id', [latest]))
    .select('e.session_id', 'e.actor_id', 'e.action', 'e.occurred_at', knex.raw('host(e.ip_address) AS ip_address'))
    .orderBy([
      { column: 's.last_at', order: 'desc' },
      { column: 'e.session_id' },
      { column: 'e.occurred_at' },
      { column: 'e.sequence' },
    ]);
  const sessions = new Map<string, SessionTimeline>();
  for (const row of rows) {
    const at = toDate(row.occurred_at);
    let session = sessions.get(row.session_id);
    if (!session) {
      session = {
        sessionId: row.session_id,
        userId: row.actor_id,
        startedAt: null,
        endedAt: null,
        endedBy: null,
        logins: 0,
        logouts: 0,
        expiries: 0,
        events: [],
      };
      sessions.set(row.session_id, session);
    }
    session.events.push({ action: row.action, at, ipAddress: row.ip_address });
    if (row.action === 'LOGIN') {
      session.logins++;
      session.startedAt ??= at;
    } else {
      if (row.action === 'LOGOUT') session.logouts++;
      else session.expiries++;
      session.endedAt = at;
      session.endedBy = row.action;
    }
  }
  return [...sessions.values()];
}
