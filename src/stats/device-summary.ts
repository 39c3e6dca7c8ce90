import type { Knex } from '@mikro-orm/postgresql';
import UAParser from 'ua-parser-js';
import { toDate } from '../db/timestamps';
import { windowEvents, type SecurityWindow } from './security-window';
import type { LoginDevice, UserDevices } from './security.types';

/** Distinct user agents are few per user; this bounds the work for a tenant with a very long tail. */
const MAX_AGENTS = 20_000;

interface AgentRow {
  actor_id: string;
  email: string | null;
  user_agent: string;
  first_seen: string;
  last_seen: string;
  logins: number;
}

/** Per user, the browser and OS families of their LOGINs in the window, first and last seen. */
export async function devicesPerUser(knex: Knex, window: SecurityWindow): Promise<UserDevices[]> {
  const rows: AgentRow[] = await windowEvents(knex, window, ['LOGIN'])
    .whereNotNull('e.user_agent')
    .select(
      knex.raw(`e.actor_id, max(e.actor_email) AS email, e.user_agent, min(e.occurred_at) AS first_seen,
                max(e.occurred_at) AS last_seen, count(*)::int AS logins`),
    )
    .groupBy('e.actor_id', 'e.user_agent')
    .orderBy('e.actor_id')
    .limit(MAX_AGENTS);
  const users = new Map<string, { email: string | null; devices: Map<string, LoginDevice> }>();
  for (const row of rows) {
    const user = users.get(row.actor_id) ?? { email: row.email, devices: new Map<string, LoginDevice>() };
    users.set(row.actor_id, user);
    const parsed = new UAParser(row.user_agent).getResult();
    const device: LoginDevice = {
      browser: parsed.browser.name ?? 'Unknown',
      os: parsed.os.name ?? 'Unknown',
      deviceType: parsed.device.type ?? null,
      firstSeenAt: toDate(row.first_seen),
      lastSeenAt: toDate(row.last_seen),
      logins: row.logins,
    };
    const key = `${device.browser}\u0000${device.os}\u0000${device.deviceType ?? ''}`;
    const known = user.devices.get(key);
    if (!known) user.devices.set(key, device);
    else {
      if (device.firstSeenAt < known.firstSeenAt) known.firstSeenAt = device.firstSeenAt;
      if (device.lastSeenAt > known.lastSeenAt) known.lastSeenAt = device.lastSeenAt;
      known.logins += device.logins;
    }
  }
  return [...users].map(([userId, user]) => ({
    userId,
    email: user.email,
    devices: [...user.devices.values()].sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime()),
  }));
}
