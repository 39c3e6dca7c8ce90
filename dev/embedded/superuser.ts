/** The database superuser initdb creates; it authenticates without a password (trust over 127.0.0.1). */
export const SUPERUSER = 'postgres';

export function superuserUrl(port: number, database = 'postgres'): string {
  return `postgresql://${SUPERUSER}@127.0.0.1:${port}/${database}`;
}
