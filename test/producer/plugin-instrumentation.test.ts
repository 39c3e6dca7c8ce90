import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { AuditClient, auditPlugin, type AuditEventInput } from '../../packages/producer/src';

const typeDefs = `
  type Lead { id: ID! name: String! }
  type Query { lead(id: ID!): Lead }
  type Mutation {
    createLead(name: String!): Lead!
    updateLead(id: ID!, name: String!): Lead!
    deleteLead(id: ID!): Boolean!
  }
`;

function leadSchema() {
  const resolvers = {
    Query: { lead: (_: unknown, { id }: { id: string }) => ({ id, name: 'Ada' }) },
    Lead: { name: (lead: { name: string }) => lead.name },
    Mutation: {
      createLead: async (_: unknown, { name }: { name: string }) => ({ id: 'lead-1', name }),
      // Thrown at once, not as a rejected promise.
      updateLead: () => {
        throw new GraphQLError('Lead lead-9 does not exist', { extensions: { code: 'NOT_FOUND', argument: 'id' } });
      },
      deleteLead: async () => {
        throw new GraphQLError('Deletes are locked', { extensions: { code: 'FORBIDDEN' } });
      },
    },
  };
  return makeExecutableSchema({ typeDefs, resolvers });
}

/** What the plugin's client was given, in order: a transport of the package's interface that keeps each batch. */
function keepingClient() {
  const sent: AuditEventInput[] = [];
  const client = new AuditClient({
    transport: {
      async send(events) {
        sent.push(...events);
      },
    },
  });
  return { client, sent };
}

async function startedServer(schema: GraphQLSchema, client?: AuditClient, recordFailures = false) {
  const server = new ApolloServer<{ user: string }>({
    schema,
    plugins: [
      // Apollo's cache control plugin, on by default, has every field instrumented by itself.
      ApolloServerPluginCacheControlDisabled(),
      ...(client
        ? [auditPlugin({ client, identify: () => ({ actor: { id: 'user-1' }, tenantId: 'acme' }), recordFailures })]
        : []),
    ],
  });
  await server.start();
  return server;
}

const run = async (server: ApolloServer<{ user: string }>, query: string) => {
  const response = await server.executeOperation({ query }, { contextValue: { user: 'user-1' } });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult;
};

describe('what the audit plugin instruments', () => {
  it("leaves the query's resolvers as they are and wraps each mutation resolver once", async () => {
    const schema = leadSchema();
    const resolverOf = (type: string, field: string) =>
      (schema.getType(type) as GraphQLObjectType).getFields()[field].resolve;
    const originals = { lead: resolverOf('Query', 'lead'), name: resolverOf('Lead', 'name') };
    const createLead = resolverOf('Mutation', 'createLead');
    const { client, sent } = keepingClient();
    const first = await startedServer(schema, client);
    const second = await startedServer(schema, client);
    try {
      const wrapped = resolverOf('Mutation', 'createLead');
      expect(wrapped).not.toBe(createLead);

      expect(await run(first, '{ lead(id: "lead-1") { id name } }')).toEqual({
        data: { lead: { id: 'lead-1', name: 'Ada' } },
      });
      expect(await run(second, 'mutation { createLead(name: "Grace") { id name } }')).toEqual({
        data: { createLead: { id: 'lead-1', name: 'Grace' } },
      });

      // Apollo's own per-field instrumentation (what `willResolveField` turns on) never ran.
      expect(Object.getOwnPropertySymbols(schema).map(String)).not.toContain('Symbol(apolloServerPluginsEnabled)');
      expect({ lead: resolverOf('Query', 'lead'), name: resolverOf('Lead', 'name') }).toEqual(originals);
      // The second server did not wrap the wrapper: one event for one mutation.
      expect(resolverOf('Mutation', 'createLead')).toBe(wrapped);
      await client.flush();
      expect(sent).toEqual([
        expect.objectContaining({ action: 'CREATE', entityType: 'Lead', entityId: 'lead-1', tenantId: 'acme' }),
      ]);
    } finally {
      await first.stop();
      await second.stop();
      await client.close();
    }
  });

  it('gives the client the very error a failing mutation throws, sync or async, recorded or not', async () => {
    const bare = await startedServer(leadSchema());
    const { client, sent } = keepingClient();
    const audited = await startedServer(leadSchema(), client, true);
    try {
      for (const mutation of [
        'mutation { updateLead(id: "lead-9", name: "X") { id } }',
        'mutation { deleteLead(id: "lead-9") }',
      ]) {
        const expected = await run(bare, mutation);
        expect(expected.errors).toHaveLength(1);
        expect(await run(audited, mutation)).toEqual(expected);
      }
      await client.flush();
      expect(sent.map((event) => [event.action, event.entityId, event.metadata])).toEqual([
        ['UPDATE', 'lead-9', { mutation: 'updateLead', failed: true, error: 'NOT_FOUND' }],
        ['DELETE', 'lead-9', { mutation: 'deleteLead', failed: true, error: 'FORBIDDEN' }],
      ]);
    } finally {
      await bare.stop();
      await audited.stop();
      await client.close();
    }
  });

  it('builds the events of mutations answered just before close() instead of dropping them', async () => {
    const { client, sent } = keepingClient();
    const server = await startedServer(leadSchema(), client);
    await run(server, 'mutation { createLead(name: "Last") { id } }');
    await server.stop();
    await client.close();
    expect(sent).toHaveLength(1);
    expect(client.stats()).toMatchObject({ sent: 1, dropped: 0 });
  });
});
