/** The subjects of one deployment's ingest path, under its prefix (`audit` by default). */
export interface IngestSubjects {
  /** What the stream and its consumer take: `<prefix>.events.>`. */
  readonly events: string;
  /** Where a message that can never be stored is republished: `<prefix>.rejected.>`. */
  readonly rejected: string;
  /** The tenant a message was published for, from its subject; null when it names none. */
  tenantOf(subject: string): string | null;
  rejectedFor(tenantId: string): string;
}

export function ingestSubjects(prefix: string): IngestSubjects {
  const eventsRoot = `${prefix}.events.`;
  return {
    events: `${eventsRoot}>`,
    rejected: `${prefix}.rejected.>`,
    tenantOf(subject) {
      if (!subject.startsWith(eventsRoot)) return null;
      const tenant = subject.slice(eventsRoot.length);
      return tenant.length > 0 ? tenant : null;
    },
    rejectedFor: (tenantId) => `${prefix}.rejected.${tenantId}`,
  };
}
