import { Field, ID, Int, ObjectType } from 'type-graphql';
import { AuditAction } from '../events/enums';
import '../events/enums.graphql';
import { DateTimeScalar } from '../schema/scalars';

@ObjectType('AuditDailyCount', { description: 'How many events of a kind happened on one day of the asked time zone.' })
export class DailyCount {
  @Field(() => String, { description: 'The local date, YYYY-MM-DD.' }) day!: string;
  @Field(() => DateTimeScalar, { description: 'The instant the local day starts.' }) start!: Date;
  @Field(() => Int) count!: number;
}

@ObjectType('AuditLoginDevice', { description: 'A browser and OS family a user logged in with.' })
export class LoginDevice {
  @Field(() => String, { description: 'Browser family, e.g. Chrome; "Unknown" when the user agent does not say.' })
  browser!: string;
  @Field(() => String, { description: 'Operating system family, e.g. Windows, iOS.' }) os!: string;
  @Field(() => String, { nullable: true, description: 'mobile, tablet, ... (null for desktops).' }) deviceType!:
    string | null;
  @Field(() => DateTimeScalar) firstSeenAt!: Date;
  @Field(() => DateTimeScalar) lastSeenAt!: Date;
  @Field(() => Int, { description: 'Logins from this device within the window.' }) logins!: number;
}

@ObjectType('AuditUserDevices', { description: 'The devices one user logged in with.' })
export class UserDevices {
  @Field(() => ID, { description: 'The actor id.' }) userId!: string;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => [LoginDevice], { description: 'Most recently seen first.' }) devices!: LoginDevice[];
}

@ObjectType('AuditSessionEvent', { description: 'One LOGIN, LOGOUT or SESSION_EXPIRED of a session.' })
export class SessionEvent {
  @Field(() => AuditAction) action!: string;
  @Field(() => DateTimeScalar) at!: Date;
  @Field(() => String, { nullable: true }) ipAddress!: string | null;
}

@ObjectType('AuditSessionTimeline', {
  description: 'What happened to one session: logins, logouts and expiries in order.',
})
export class SessionTimeline {
  @Field(() => String) sessionId!: string;
  @Field(() => ID, { description: 'The actor of the session’s first event.' }) userId!: string;
  @Field(() => DateTimeScalar, { nullable: true, description: 'The first LOGIN.' }) startedAt!: Date | null;
  @Field(() => DateTimeScalar, { nullable: true, description: 'The last LOGOUT or SESSION_EXPIRED; null while open.' })
  endedAt!: Date | null;
  @Field(() => AuditAction, { nullable: true, description: 'LOGOUT or SESSION_EXPIRED, whichever ended it.' })
  endedBy!: string | null;
  @Field(() => Int) logins!: number;
  @Field(() => Int) logouts!: number;
  @Field(() => Int) expiries!: number;
  @Field(() => [SessionEvent], { description: 'Oldest first.' }) events!: SessionEvent[];
}

@ObjectType('AuditLoginLocation', { description: 'A place logins came from, for a map.' })
export class LoginLocation {
  @Field(() => String, { nullable: true }) country!: string | null;
  @Field(() => String, { nullable: true }) region!: string | null;
  @Field(() => String, { nullable: true }) city!: string | null;
  @Field(() => Number, { nullable: true, description: 'Mean latitude of the logins there.' }) latitude!: number | null;
  @Field(() => Number, { nullable: true, description: 'Mean longitude of the logins there.' }) longitude!:
    number | null;
  @Field(() => Int, { description: 'Successful logins.' }) logins!: number;
  @Field(() => Int, { description: 'Failed logins.' }) failedLogins!: number;
}

@ObjectType('AuditSecurityOverview', {
  description: 'The tenant’s login security over a window; each part is computed only when asked for.',
})
export class SecurityOverview {
  @Field(() => DateTimeScalar) from!: Date;
  @Field(() => DateTimeScalar) to!: Date;
  @Field(() => String, { description: 'The time zone days are cut in.' }) timeZone!: string;
  tenantId!: string;
}
