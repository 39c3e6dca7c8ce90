import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { AuditClient, auditPlugin, type AuditClientOptions, type AuditEventInput } from '../../packages/producer/src';
import { waitUntil } from '../support/wait';

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

/**
 * What the plugin's client was given, in order: a transport of the package's interface that keeps
 * each batch (`attempts`: every batch it was handed, `failFirst`: the first attempts fail).
 */
function keepingClient(options: Partial<AuditClientOptions> & { failFirst?: number } = {}) {
  const sent: AuditEventInput[] = [];
  const attempts: AuditEventInput[][] = [];
  const client = new AuditClient({
    ...options,
    transport: {
      async send(events) {
        attempts.push(events);
        if (attempts.length <= (options.failFirst ?? 0)) throw new Error('the audit subgraph is away');
        sent.push(...events);
      },
    },
  });
  return { client, sent, attempts };
}

/** Whom the plugin asks `identify` about, one entry per call. */
const identified: unknown[] = [];

async function startedServer(schema: GraphQLSchema, client?: AuditClient, recordFailures = false) {
  const server = new ApolloServer<{ user: string }>({
    schema,
    plugins: [
      // Apollo's cache control plugin, on by default, has every field instrumented by itself.
      ApolloServerPluginCacheControlDisabled(),
      ...(client
        ? [
            auditPlugin<{ user: string }>({
              client,
              identify: ({ contextValue }) => {
                identified.push(contextValue.user);
                return { actor: { id: contextValue.user }, tenantId: 'acme' };
              },
              recordFailures,
            }),
          ]
        : []),
    ],
  });
  await server.start();
  return server;
}

const run = async (server: ApolloServer<{ user: string }>, query: string, contextValue = { user: 'user-1' }) => {
  const response = await server.executeOperation({ query }, { contextValue });
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
});

describe('what a mutation waits for and what waits for the batch', () => {
  /** A lead schema whose createLead returns the object it keeps, as a CRM's store would. */
  function storeSchema() {
    const leads: Array<{ id: string; name: string }> = [];
    const schema = makeExecutableSchema({
      typeDefs,
      resolvers: {
        Mutation: {
          createLead: (_: unknown, { name }: { name: string }) => {
            const lead = { id: `lead-${leads.length + 1}`, name };
            leads.push(lead);
            return lead;
          },
        },
      },
    });
    return { schema, leads };
  }

  beforeEach(() => identified.splice(0));

  it('captures the mutation, holds it until the batch leaves and builds its event then, from the record as returned', async () => {
    const { client, sent } = keepingClient({ flushIntervalMs: 60_000 });
    const { schema, leads } = storeSchema();
    const server = await startedServer(schema, client);
    try {
      expect(await run(server, 'mutation { createLead(name: "Grace") { id } }')).toEqual({
        data: { createLead: { id: 'lead-1' } },
      });
      // Captured (identity included), not built nor sent: held as one event.
      expect(identified).toEqual(['user-1']);
      expect(sent).toEqual([]);
      expect(client.stats()).toMatchObject({ queued: 1, sent: 0 });
      // The CRM changes the record it returned once the response is gone.
      leads[0].name = 'Changed later';
      await client.flush();
      expect(sent).toEqual([
        expect.objectContaining({
          action: 'CREATE',
          entityId: 'lead-1',
          actor: { id: 'user-1' },
          before: null,
          after: { id: 'lead-1', name: 'Grace' },
        }),
      ]);
    } finally {
      await server.stop();
      await client.close();
    }
  });

  it('identifies each request once for all its mutation fields, its context value frozen or used again', async () => {
    const { client, sent } = keepingClient({ flushIntervalMs: 60_000 });
    const server = await startedServer(storeSchema().schema, client);
    try {
      await run(
        server,
        'mutation { a: createLead(name: "Ada") { id } b: createLead(name: "Bob") { id } }',
        Object.freeze({ user: 'user-2' }),
      );
      // A context value used again by a later request (executeOperation's caller may): identified again.
      const reused = { user: 'user-3' };
      await run(server, 'mutation { createLead(name: "Cy") { id } }', reused);
      reused.user = 'user-4';
      await run(server, 'mutation { createLead(name: "Di") { id } }', reused);
      expect(identified).toEqual(['user-2', 'user-3', 'user-4']);
      await client.flush();
      expect(sent.map((event) => [event.entityId, event.actor.id])).toEqual([
        ['lead-1', 'user-2'],
        ['lead-2', 'user-2'],
        ['lead-3', 'user-3'],
        ['lead-4', 'user-4'],
      ]);
    } finally {
      await server.stop();
      await client.close();
    }
  });

  it('sends a full batch of captured mutations without waiting for the timer', async () => {
    const { client, attempts } = keepingClient({ maxBatchSize: 2, flushIntervalMs: 60_000 });
    const server = await startedServer(storeSchema().schema, client);
    try {
      await run(server, 'mutation { createLead(name: "Ada") { id } }');
      await run(server, 'mutation { createLead(name: "Bob") { id } }');
      await waitUntil(
        () => attempts.length === 1,
        () => `one batch sent, got ${attempts.length}`,
      );
      expect(attempts[0].map((event) => event.entityId)).toEqual(['lead-1', 'lead-2']);
    } finally {
      await server.stop();
      await client.close();
    }
  });

  it('counts captured mutations in the bound: past it, new ones are dropped and counted', async () => {
    const drops: number[] = [];
    const { client, sent } = keepingClient({
      maxQueuedEvents: 2,
      flushIntervalMs: 60_000,
      onDrop: (events) => drops.push(events),
    });
    const server = await startedServer(storeSchema().schema, client);
    try {
      for (const name of ['Ada', 'Bob', 'Cy']) await run(server, `mutation { createLead(name: "${name}") { id } }`);
      expect(client.stats()).toMatchObject({ queued: 2, dropped: 1 });
      expect(drops).toEqual([1]);
      await client.flush();
      expect(sent.map((event) => event.entityId)).toEqual(['lead-1', 'lead-2']);
    } finally {
      await server.stop();
      await client.close();
    }
  });

  it('sends a failed batch again with the same event ids', async () => {
    const { client, sent, attempts } = keepingClient({ flushIntervalMs: 60_000, failFirst: 1 });
    const server = await startedServer(storeSchema().schema, client);
    try {
      await run(server, 'mutation { createLead(name: "Ada") { id } }');
      await run(server, 'mutation { createLead(name: "Bob") { id } }');
      await client.flush();
      expect(attempts).toHaveLength(2);
      expect(attempts[1].map((event) => event.id)).toEqual(attempts[0].map((event) => event.id));
      expect(sent.map((event) => event.entityId)).toEqual(['lead-1', 'lead-2']);
      expect(client.stats()).toMatchObject({ sent: 2, retries: 1 });
    } finally {
      await server.stop();
      await client.close();
    }
  });

  it('builds the events of mutations captured before close() instead of dropping them', async () => {
    const { client, sent } = keepingClient({ flushIntervalMs: 60_000 });
    const server = await startedServer(leadSchema(), client);
    await run(server, 'mutation { createLead(name: "Last") { id } }');
    await server.stop();
    expect(client.stats()).toMatchObject({ queued: 1, sent: 0 });
    await client.close();
    expect(sent).toEqual([expect.objectContaining({ action: 'CREATE', entityId: 'lead-1' })]);
    expect(client.stats()).toMatchObject({ queued: 0, sent: 1, dropped: 0 });
  });
});
