import { Client } from 'pg';

/** Two data subjects, the actors of the events that both erasure suites store. */
export const ALICE = { id: 'alice', email: 'Alice.Smith@example.com' };
export const ALICE_IP = '198.51.100.7';
export const BOB = { id: 'bob', email: 'bob@example.com' };
export const BOB_IP = '198.51.100.8';

/**
 * Alice's login, her update of a Contact (whose email a test marks personal) and Bob's update of her
 * `User` record: personal data of both, as actors, as a record and in a record's fields.
 */
export const ALICE_LOGIN = {
  actor: ALICE,
  action: 'LOGIN',
  ipAddress: ALICE_IP,
  userAgent: 'Mozilla/5.0 (Alice)',
  location: { country: 'FR', city: 'Lyon' },
};
export const ALICE_UPDATES_CONTACT = {
  actor: ALICE,
  action: 'UPDATE',
  entityType: 'Contact',
  entityId: 'c1',
  changes: [
    { field: 'email', oldValue: 'old@contact.example', newValue: 'new@contact.example' },
    { field: 'stage', oldValue: 'a', newValue: 'b' },
  ],
};
export const BOB_UPDATES_ALICE = {
  actor: BOB,
  action: 'UPDATE',
  entityType: 'User',
  entityId: 'alice',
  ipAddress: BOB_IP,
  changes: [{ field: 'phone', oldValue: '+33 1 11', newValue: '+33 1 22' }],
};

/** The personal values of those three events: once sealed, no stored row shows one of them. */
export const THEIR_PLAINTEXTS = [
  ALICE.email,
  ALICE.email.toLowerCase(),
  ALICE_IP,
  BOB.email,
  BOB_IP,
  'Mozilla/5.0 (Alice)',
  'Lyon',
  'new@contact.example',
  '+33 1 22',
];

export type EventNode = Record<string, any>;

/** The nodes of an `auditEvents` answer; throws its errors. */
export function eventNodes(response: { data?: any; errors?: unknown }): EventNode[] {
  if (!response.data) throw new Error(JSON.stringify(response.errors));
  return response.data.auditEvents.edges.map((edge: any) => edge.node);
}

/** Runs `sql` as the database owner, past the append-only triggers (what an attacker with the database could do). */
export async function asOwner<T = Record<string, any>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Every row of the tenant's events as PostgreSQL stores it, as one text: where plaintext would show. */
export async function storedRowsText(url: string, tenantId: string): Promise<string> {
  const rows = await asOwner<{ row: string }>(url, `SELECT e::text AS row FROM audit_events e WHERE tenant_id = $1`, [
    tenantId,
  ]);
  return rows.map((row) => row.row).join('\n');
}
