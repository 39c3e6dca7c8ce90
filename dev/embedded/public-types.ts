export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; created and initialised when missing or empty, reused otherwise. */
  dataDir: string;
  /** TCP port on 127.0.0.1; unset: a free port chosen at each start. */
  port?: number;
  /** Receives our own progress lines and PostgreSQL's log lines (prefixed `postgres: `). */
  log?: (line: string) => void;
  /** false: no fsync (throw-away clusters such as the tests' one); default true. */
  durable?: boolean;
  /** Longest wait for the server to accept connections; default 60 s. */
  startTimeoutMs?: number;
}

export interface EmbeddedPostgres {
  /** Superuser URL of the `postgres` database: `postgresql://postgres@127.0.0.1:<port>/postgres` (no password). */
  url: string;
  port: number;
  dataDir: string;
  /** Fast shutdown (SIGINT); resolves once the server has exited. Idempotent. A no-op when attached. */
  stop(): Promise<void>;
}

/** Where our progress lines and PostgreSQL's log lines go. */
export type Log = (line: string) => void;
