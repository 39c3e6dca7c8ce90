import { Directive, Field, ObjectType } from 'type-graphql';
import { AuditEvent } from '../events/audit-event.type';
import type { AuditEventNode } from '../events/event-row';

@Directive('@shareable')
@ObjectType({ simpleResolvers: true, description: 'Relay page information.' })
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
  @Field(() => Boolean, { description: 'True when the page was asked for after a cursor.' }) hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class AuditEventEdge {
  @Field(() => String) cursor!: string;
  /** Its instants may still be PostgreSQL's text, which the DateTime scalar prints (toAuditEventNode). */
  @Field(() => AuditEvent) node!: AuditEventNode;
}

@ObjectType({ simpleResolvers: true, description: 'Events newest first (occurredAt descending, then id descending).' })
export class AuditEventConnection {
  @Field(() => [AuditEventEdge]) edges!: AuditEventEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}
