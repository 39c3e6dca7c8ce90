import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AuditPageInfo } from '../reading/connection.type';
import { AuditEventFilter } from '../reading/filter.input';
import { DateTimeScalar } from '../schema/scalars';
import { ExportFormat } from './export-format';

export { ExportFormat };

export enum ExportStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
  EXPIRED = 'EXPIRED',
}

/** The statuses an export does not leave. */
export const FINAL_STATUSES: ReadonlySet<ExportStatus> = new Set([
  ExportStatus.SUCCEEDED,
  ExportStatus.FAILED,
  ExportStatus.CANCELLED,
  ExportStatus.EXPIRED,
]);

registerEnumType(ExportFormat, {
  name: 'ExportFormat',
  description: 'CSV (a header row), JSON (one array), NDJSON (one event a line), PDF (a report).',
});
registerEnumType(ExportStatus, { name: 'ExportStatus' });

@ObjectType({ description: 'An export of the tenant’s events, written asynchronously to the object store.' })
export class AuditExport {
  @Field(() => ID) id!: string;
  @Field(() => ExportFormat) format!: ExportFormat;
  @Field(() => ExportStatus) status!: ExportStatus;
  @Field(() => Boolean, { description: 'Whether the file is gzip-compressed.' }) gzip!: boolean;
  @Field(() => Int) rowsWritten!: number;
  @Field(() => Int, { nullable: true, description: 'An estimate while running, exact at the end.' })
  rowsTotal!: number | null;
  @Field(() => Float, { nullable: true, description: 'Of the file as downloaded.' }) bytes!: number | null;
  @Field(() => String, { nullable: true, description: 'SHA-256 (hex) of the file as downloaded.' })
  sha256!: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'Absolute, signed, valid 10 minutes, new at each read; null until the export succeeded, and for a ' +
      'whole export (`personalDataMasked: false`) when the reader lacks READ_PERSONAL_DATA.',
  })
  downloadUrl!: string | null;
  @Field(() => Boolean, {
    description:
      'True when its requester lacked READ_PERSONAL_DATA: personal values are null in the file and named in each ' +
      'event’s `redactedFields`.',
  })
  personalDataMasked!: boolean;
  @Field(() => DateTimeScalar) createdAt!: Date;
  @Field(() => ID, { description: 'Who asked for it (a schedule’s creator for its runs).' }) createdBy!: string;
  @Field(() => DateTimeScalar, { nullable: true }) finishedAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'When its file is deleted.' }) expiresAt!: Date | null;
  @Field(() => String, { nullable: true }) error!: string | null;
}

@InputType({ description: 'What to export: the same criteria as `auditEvents`.' })
export class AuditExportInput {
  @Field(() => ExportFormat) format!: ExportFormat;
  @Field(() => AuditEventFilter, { nullable: true }) filter?: AuditEventFilter | null;
  @Field(() => String, { nullable: true, description: 'The structured search syntax, ANDed with `filter`.' })
  search?: string | null;
  @Field(() => ID, { nullable: true, description: 'A saved filter to AND with `filter` and `search`.' })
  savedFilterId?: string | null;
  @Field(() => Boolean, {
    nullable: true,
    defaultValue: true,
    description: 'False: a summary (no metadata, no user agent).',
  })
  includeMetadata?: boolean | null;
  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Also the events moved to the archive, merged in the same order (CSV, JSON, NDJSON).',
  })
  includeArchived?: boolean | null;
  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Compress the file with gzip (CSV, JSON, NDJSON).',
  })
  gzip?: boolean | null;
}

@ObjectType()
export class AuditExportEdge {
  @Field(() => String) cursor!: string;
  @Field(() => AuditExport) node!: AuditExport;
}

@ObjectType({ description: 'Exports newest first.' })
export class AuditExportConnection {
  @Field(() => [AuditExportEdge]) edges!: AuditExportEdge[];
  @Field(() => AuditPageInfo) pageInfo!: AuditPageInfo;
}
