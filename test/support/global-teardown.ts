import { embeddedForTests } from './embedded-state';

/** Stops the run's embedded PostgreSQL (if global-setup started one) and removes its data. */
export default async function globalTeardown(): Promise<void> {
  const state = embeddedForTests.take();
  if (!state) return;
  try {
    await state.server.stop();
  } finally {
    await embeddedForTests.cleanUp(state.root);
  }
}
