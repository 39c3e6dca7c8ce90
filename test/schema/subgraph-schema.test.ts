import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import gql from 'graphql-tag';
import { modules } from '../../src/modules';
import { buildAuditSchema } from '../../src/schema/build-schema';

/** A CRM subgraph written the common way: its own Relay PageInfo, DateTime and JSON scalars, the same entity names. */
const CRM_SUBGRAPH = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
  scalar DateTime
  scalar JSON
  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
  type Lead @key(fields: "id") {
    id: ID!
    name: String!
    status: String
    createdAt: DateTime
    custom: JSON
  }
  type Contact @key(fields: "id") {
    id: ID!
    email: String
  }
  type Account @key(fields: "id") {
    id: ID!
    name: String
  }
  type Opportunity @key(fields: "id") {
    id: ID!
    stage: String
    amount: Float
  }
  type Quote @key(fields: "id") {
    id: ID!
  }
  type Order @key(fields: "id") {
    id: ID!
  }
  type Invoice @key(fields: "id") {
    id: ID!
  }
  type Contract @key(fields: "id") {
    id: ID!
  }
  type User @key(fields: "id") {
    id: ID!
    email: String!
  }
  type LeadEdge {
    cursor: String!
    node: Lead!
  }
  type LeadConnection {
    edges: [LeadEdge!]!
    pageInfo: PageInfo!
  }
  type Query {
    leads(first: Int, after: String): LeadConnection!
    lead(id: ID!): Lead
  }
`;

describe('the subgraph schema', () => {
  let sdl: string;
  beforeAll(async () => {
    sdl = printSubgraphSchema(await buildAuditSchema(modules));
  });

  it('matches the committed schema.graphql (run `npm run schema:print` after changing it)', () => {
    expect(readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8')).toBe(sdl);
  });

  it('links Federation 2.5 or later and keys the CRM entities and AuditEvent on id', () => {
    const version = /specs\.apollo\.dev\/federation\/v2\.(\d+)/.exec(sdl);
    expect(Number(version![1])).toBeGreaterThanOrEqual(5);
    for (const type of [
      'Lead',
      'Contact',
      'Account',
      'Opportunity',
      'Quote',
      'Order',
      'Invoice',
      'Contract',
      'User',
      'AuditEvent',
    ])
      expect(sdl).toMatch(new RegExp(`type ${type}\\s+@key\\(fields: "id"\\)`));
    expect(sdl).toContain(
      'auditHistory(first: Int = 20, after: String, filter: RecordHistoryFilter): AuditEventConnection\n',
    );
    expect(sdl).toContain(
      'auditActivity(first: Int = 20, after: String, filter: AuditEventFilter): AuditEventConnection\n',
    );
  });

  it('composes into a supergraph with a CRM subgraph that follows the common conventions', () => {
    const result = composeServices([
      { name: 'crm', url: 'http://crm:4000/graphql', typeDefs: CRM_SUBGRAPH },
      { name: 'audit', url: 'http://audit:4001/graphql', typeDefs: gql(sdl) },
    ]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.supergraphSdl).toContain('auditHistory');
  });
});
