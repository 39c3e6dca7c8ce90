import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import gql from 'graphql-tag';
import { CRM_ENTITY_TYPES } from '../../src/history/crm-entity-types';

/** The shapes of `PageInfo` that CRM subgraphs commonly define, or none. */
export const CRM_PAGE_INFOS = {
  minimal: 'type PageInfo @shareable { hasNextPage: Boolean!  endCursor: String }',
  relay:
    'type PageInfo @shareable { hasNextPage: Boolean!  hasPreviousPage: Boolean!  startCursor: String  endCursor: String }',
  withTotalCount: 'type PageInfo @shareable { hasNextPage: Boolean!  endCursor: String  totalCount: Int! }',
  none: '',
} as const;

export interface CrmShape {
  pageInfo: keyof typeof CRM_PAGE_INFOS;
  /** Entities implement a Relay `Node` interface, with `Query.node`. */
  relayNode?: boolean;
  /** `Lead` and `Account` have a second key besides `id`. */
  secondKey?: boolean;
  /** Types of the CRM's own under these names, with fields of its own. */
  ownTypes?: readonly string[];
}

/**
 * Names a CRM's subgraphs commonly give types of their own (settings, filters, sessions, devices,
 * snapshots, reports). Ours must not take them: a type defined twice must have the same fields.
 */
export const COMMON_CRM_TYPE_NAMES = [
  'BusinessHours',
  'BusinessHoursInput',
  'DailyCount',
  'Device',
  'LoginDevice',
  'LoginLocation',
  'SavedFilter',
  'SavedFilterInput',
  'SecurityOverview',
  'Session',
  'SessionEvent',
  'SessionTimeline',
  'Settings',
  'Snapshot',
  'SnapshotField',
  'RecordSnapshot',
  'RecordSnapshotStatus',
  'FieldDiff',
  'RevertResult',
  'StatsInterval',
  'TenantSettings',
  'UserDevices',
] as const;

/** A CRM subgraph that owns the entities we extend, written the way `shape` says. */
export function crmTypeDefs({ pageInfo, relayNode = false, secondKey = false, ownTypes = [] }: CrmShape) {
  const implementsNode = relayNode ? ' implements Node' : '';
  const secondKeyOf: Record<string, string> = secondKey ? { Lead: 'email', Account: 'domain' } : {};
  const entities = CRM_ENTITY_TYPES.map((type) => {
    const extraKey = secondKeyOf[type] ? ` @key(fields: "${secondKeyOf[type]}")` : '';
    const extraField = secondKeyOf[type] ? ` ${secondKeyOf[type]}: String!` : '';
    return `type ${type}${implementsNode} @key(fields: "id")${extraKey} { id: ID!  name: String${extraField} }`;
  });
  const connection = pageInfo === 'none' ? 'leads: [Lead!]!' : 'leads(first: Int, after: String): LeadConnection!';
  return gql`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
    scalar DateTime
    scalar JSON
    ${relayNode ? 'interface Node { id: ID! }' : ''}
    ${CRM_PAGE_INFOS[pageInfo]}
    ${entities.join('\n')}
    ${ownTypes.map((name) => (name.endsWith('Input') ? `input ${name} { crmOwned: String }` : `type ${name} { crmOwned: String }`)).join('\n')}
    ${pageInfo === 'none' ? '' : 'type LeadEdge { cursor: String!  node: Lead! }  type LeadConnection { edges: [LeadEdge!]!  pageInfo: PageInfo! }'}
    type Query {
      ${connection}
      lead(id: ID!): Lead
      ${relayNode ? 'node(id: ID!): Node' : ''}
    }
  `;
}

export interface CrmServer {
  url: string;
  stop(): Promise<void>;
}

/** A minimal CRM subgraph on an ephemeral port: every record exists and is named after its id. */
export async function startCrmSubgraph(): Promise<CrmServer> {
  const record = ({ id }: { id: string }) => ({ id, name: `Record ${id}` });
  const resolvers = Object.fromEntries([
    [
      'Query',
      {
        lead: (_: unknown, { id }: { id: string }) => record({ id }),
        leads: () => ({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } }),
      },
    ],
    ...CRM_ENTITY_TYPES.map((type) => [type, { __resolveReference: record }]),
  ]);
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: crmTypeDefs({ pageInfo: 'minimal' }), resolvers }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  const { port } = new URL(url);
  return { url: `http://127.0.0.1:${port}/`, stop: () => server.stop() };
}
