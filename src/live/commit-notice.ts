/** The channel (PostgreSQL NOTIFY or Redis) that tells every replica a batch was committed. */
export const LIVE_CHANNEL = 'audit_events_committed';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_CHARS = 7900;

/** One committed batch: each tenant's new last sequence, or `all` when they do not fit in a notice. */
export interface CommitNotice {
  heads: Map<string, bigint> | 'all';
  /** Milliseconds since the epoch, taken just before the commit. */
  committedAt: number;
}

export function encodeCommitNotice(heads: ReadonlyMap<string, string>, committedAt = Date.now()): string {
  const payload = JSON.stringify({ t: committedAt, h: Object.fromEntries(heads) });
  // A batch spanning many tenants: every feed re-reads, which is rare and still loses nothing.
  return payload.length <= MAX_PAYLOAD_CHARS ? payload : JSON.stringify({ t: committedAt, all: true });
}

/** Null for a payload this version does not understand (it is then ignored). */
export function decodeCommitNotice(payload: string | undefined): CommitNotice | null {
  if (!payload) return null;
  try {
    const parsed = JSON.parse(payload) as { t?: unknown; h?: Record<string, unknown>; all?: boolean };
    const committedAt = typeof parsed.t === 'number' ? parsed.t : Date.now();
    if (parsed.all) return { heads: 'all', committedAt };
    if (!parsed.h || typeof parsed.h !== 'object') return null;
    const heads = new Map<string, bigint>();
    for (const [tenant, sequence] of Object.entries(parsed.h)) {
      if (typeof sequence === 'string' && /^\d{1,19}$/.test(sequence)) heads.set(tenant, BigInt(sequence));
    }
    return { heads, committedAt };
  } catch {
    return null;
  }
}
