import { serviceKey } from '../core/context';
import type { StreamSecrets } from './stream-secrets';

/** What the resolvers need of the running module. */
export interface StreamsRuntime {
  secrets: StreamSecrets;
  timeoutMs: number;
  /** A stream was created, changed or deleted here: deliver by the new settings now. */
  changed(): void;
}

export const STREAMS_RUNTIME = serviceKey<StreamsRuntime>('streams.runtime');
