import { Field, ObjectType } from 'type-graphql';
import { AuditEvent } from '../events/audit-event.type';
import type { AuditEventNode } from '../events/event-row';

/**
 * Ours alone, not a shared `PageInfo`: a value type shared across subgraphs must have the same
 * fields in each, and CRM subgraphs differ (minimal, full Relay, with totalCount...).
 */
@ObjectType({ simpleResolvers: true, description: 'Where a page of a connection ends.' })
export class AuditPageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
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
  @Field(() => AuditPageInfo) pageInfo!: AuditPageInfo;
}
