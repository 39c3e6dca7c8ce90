import type { AuditEventInput } from './types';

/** Sends one batch; resolves once the audit subgraph (or JetStream) has it, whole. */
export interface AuditTransport {
  /** `signal` aborts once the client gives up (its `close()` ran out of time). */
  send(events: AuditEventInput[], signal: AbortSignal): Promise<void>;
}

/**
 * The batch can never be stored as it is (the subgraph refused its content): sending it again
 * would not help. Any other error is taken for a passing one and the batch is sent again.
 */
export class RejectedBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RejectedBatchError';
  }
}
