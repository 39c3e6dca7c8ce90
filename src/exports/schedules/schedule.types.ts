import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { AuditEventFilter } from '../../reading/filter.input';
import { DateTimeScalar, JSONScalar } from '../../schema/scalars';
import { ExportFormat } from '../export.types';
import { ExportFrequency } from './schedule-period';

export enum ExportDestination {
  /** The object store only (the export's own file, downloadable through its link). */
  STORE = 'STORE',
  SFTP = 'SFTP',
  EMAIL = 'EMAIL',
}

registerEnumType(ExportFrequency, {
  name: 'AuditExportFrequency',
  description: 'Each run exports the UTC day, week (from Monday) or month that just ended.',
});
registerEnumType(ExportDestination, { name: 'AuditExportDestination' });

@ObjectType({ description: 'An export run every day, week or month, and delivered.' })
export class AuditExportSchedule {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => ExportFrequency) frequency!: ExportFrequency;
  @Field(() => ExportFormat) format!: ExportFormat;
  @Field(() => Boolean) gzip!: boolean;
  @Field(() => Boolean) includeMetadata!: boolean;
  @Field(() => JSONScalar) filter!: Record<string, unknown>;
  @Field(() => String, { nullable: true }) search!: string | null;
  @Field(() => ExportDestination) destination!: ExportDestination;
  @Field(() => String, { nullable: true, description: 'sftp://user@host:port/folder' }) sftpUrl!: string | null;
  @Field(() => String, { nullable: true, description: 'The SFTP server’s expected host key fingerprint (SHA256:…).' })
  sftpHostKey!: string | null;
  @Field(() => [String]) emailTo!: string[];
  @Field(() => DateTimeScalar) nextRunAt!: Date;
  @Field(() => ID, { nullable: true }) lastExportId!: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) deliveredAt!: Date | null;
  @Field(() => String, { nullable: true }) lastDeliveryError!: string | null;
  @Field(() => Boolean, {
    description: 'True when its creator lacked READ_PERSONAL_DATA: each run is masked as the creator’s reads are.',
  })
  personalDataMasked!: boolean;
}

@InputType()
export class AuditExportScheduleInput {
  @Field(() => String) name!: string;
  @Field(() => ExportFrequency) frequency!: ExportFrequency;
  @Field(() => ExportFormat) format!: ExportFormat;
  @Field(() => Boolean, { nullable: true, defaultValue: false }) gzip?: boolean | null;
  @Field(() => Boolean, { nullable: true, defaultValue: true }) includeMetadata?: boolean | null;
  @Field(() => AuditEventFilter, { nullable: true, description: 'ANDed with the period of each run.' })
  filter?: AuditEventFilter | null;
  @Field(() => String, { nullable: true }) search?: string | null;
  @Field(() => ExportDestination, { nullable: true, defaultValue: ExportDestination.STORE })
  destination?: ExportDestination | null;
  @Field(() => String, {
    nullable: true,
    description: 'SFTP: sftp://user@host:port/folder (key: EXPORT_SFTP_PRIVATE_KEY_PATH).',
  })
  sftpUrl?: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'SFTP: the server’s host key fingerprint as `ssh-keygen -lf` prints it (SHA256:…); a server showing another key gets nothing.',
  })
  sftpHostKey?: string | null;
  @Field(() => [String], { nullable: true, description: 'EMAIL: who gets the download link.' }) emailTo?:
    string[] | null;
}
