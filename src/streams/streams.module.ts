import { can } from '../auth/rules';
import { AuditPermission } from '../auth/permissions';
import type { AuditModule } from '../core/module';
import { Migration20261201200000Streams } from './migrations/Migration20261201200000_streams';
import { Migration20261202140000StreamMasking } from './migrations/Migration20261202140000_stream_masking';
import { streamSettings } from './stream-settings';
import { StreamSchema } from './stream.entity';
import { AuditStreamsResolver } from './streams.resolver';
import { startStreams } from './streams-start';

/** Streams of the audit log to SIEMs: configured per tenant, delivered at least once and in order. */
export const streamsModule: AuditModule = {
  name: 'streams',
  resolvers: [AuditStreamsResolver],
  rules: {
    Query: { auditStreams: can(AuditPermission.MANAGE_STREAMS) },
    Mutation: {
      createAuditStream: can(AuditPermission.MANAGE_STREAMS),
      updateAuditStream: can(AuditPermission.MANAGE_STREAMS),
      deleteAuditStream: can(AuditPermission.MANAGE_STREAMS),
      testAuditStream: can(AuditPermission.MANAGE_STREAMS),
    },
  },
  openTypes: ['AuditStream', 'AuditStreamOptions', 'StreamTestResult'],
  entities: [StreamSchema],
  migrations: [
    { name: 'Migration20261201200000_streams', class: Migration20261201200000Streams },
    { name: 'Migration20261202140000_stream_masking', class: Migration20261202140000StreamMasking },
  ],
  settings: streamSettings,
  start: startStreams,
};
