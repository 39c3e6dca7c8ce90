/**
 * What one `recordAuditEvents` call may carry. Each limit is stated in the README; exceeding
 * one is `BAD_USER_INPUT` naming the event and field, and nothing of the batch is stored.
 */
export const EVENT_LIMITS = {
  minBatch: 1,
  maxBatch: 1000,
  /** Field changes per event, given or computed from before/after. */
  maxChanges: 500,
  maxFieldNameLength: 200,
  /** Serialised JSON of one oldValue or newValue. */
  maxValueBytes: 32 * 1024,
  /** Serialised JSON of `before` and of `after`, each. */
  maxSnapshotBytes: 256 * 1024,
  maxMetadataBytes: 16 * 1024,
  /** Nesting of before/after/metadata objects. */
  maxJsonDepth: 16,
  maxIdLength: 200,
  maxEmailLength: 320,
  maxRoleLength: 100,
  maxEntityTypeLength: 100,
  maxUserAgentLength: 1024,
  maxLocationTextLength: 200,
  /** `metadata.recordCount` is documented as an Int: GraphQL's Int is 32-bit. */
  maxRecordCount: 2_147_483_647,
  /** occurredAt may be ahead of the server's clock by this much (producers' clock skew). */
  maxFutureSkewMs: 5 * 60 * 1000,
  /** occurredAt before this is refused: older than any CRM history worth importing. */
  earliestOccurredAt: new Date('2000-01-01T00:00:00Z'),
} as const;
