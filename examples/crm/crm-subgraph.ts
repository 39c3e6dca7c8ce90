import { ApolloServer, type GraphQLRequestContext } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError } from 'graphql';
import gql from 'graphql-tag';
import { auditChange, auditPlugin, type AuditClient, type AuditIdentity } from '../../packages/producer/src';
import { CrmStore, type Lead } from './crm-store';

export const crmTypeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type User @key(fields: "id") {
    id: ID!
    name: String!
    email: String!
  }
  type Account @key(fields: "id") {
    id: ID!
    name: String!
    industry: String
  }
  type Contact @key(fields: "id") {
    id: ID!
    name: String!
    email: String
    phone: String
    account: Account
  }
  enum LeadStatus {
    NEW
    CONTACTED
    QUALIFIED
    CONVERTED
    LOST
  }
  type Lead @key(fields: "id") {
    id: ID!
    name: String!
    email: String
    company: String
    status: LeadStatus!
    taxId: String
    owner: User
  }
  type Opportunity @key(fields: "id") {
    id: ID!
    name: String!
    amount: Float
    stage: String!
    account: Account
  }
  input CreateLeadInput {
    name: String!
    email: String
    company: String
    taxId: String
  }
  input UpdateLeadInput {
    name: String
    email: String
    company: String
    status: LeadStatus
    taxId: String
  }
  type ConvertLeadPayload {
    lead: Lead!
    account: Account!
    contact: Contact!
  }
  type Query {
    lead(id: ID!): Lead
    leads: [Lead!]!
    contact(id: ID!): Contact
    account(id: ID!): Account
    opportunity(id: ID!): Opportunity
    user(id: ID!): User
  }
  type Mutation {
    createLead(input: CreateLeadInput!): Lead!
    updateLead(id: ID!, input: UpdateLeadInput!): Lead!
    deleteLead(id: ID!): Boolean!
    convertLead(id: ID!): ConvertLeadPayload!
    createOpportunity(name: String!, amount: Float, accountId: ID): Opportunity!
    updateOpportunity(id: ID!, stage: String, amount: Float): Opportunity!
  }
`;

function found<T>(record: T | undefined, what: string, id: string): T {
  if (!record) throw new GraphQLError(`${what} ${id} does not exist`, { extensions: { code: 'NOT_FOUND' } });
  return record;
}

/** The resolvers of the demo CRM; mutations that change a record tell the audit plugin its before and after. */
export function crmResolvers(store: CrmStore) {
  const byId =
    <T>(map: Map<string, T>) =>
    ({ id }: { id: string }) =>
      map.get(id) ?? null;
  return {
    Query: {
      lead: (_: unknown, { id }: { id: string }) => store.leads.get(id) ?? null,
      leads: () => [...store.leads.values()],
      contact: (_: unknown, { id }: { id: string }) => store.contacts.get(id) ?? null,
      account: (_: unknown, { id }: { id: string }) => store.accounts.get(id) ?? null,
      opportunity: (_: unknown, { id }: { id: string }) => store.opportunities.get(id) ?? null,
      user: (_: unknown, { id }: { id: string }) => store.users.get(id) ?? null,
    },
    Mutation: {
      createLead(_: unknown, { input }: { input: Partial<Lead> & { name: string } }) {
        const lead: Lead = {
          id: CrmStore.newId('lead'),
          name: input.name,
          email: input.email ?? null,
          company: input.company ?? null,
          status: 'NEW',
          taxId: input.taxId ?? null,
          ownerId: null,
        };
        store.leads.set(lead.id, lead);
        return lead;
      },
      updateLead(_: unknown, { id, input }: { id: string; input: Partial<Lead> }, context: object) {
        const before = found(store.leads.get(id), 'Lead', id);
        const after: Lead = { ...before, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v != null)) };
        store.leads.set(id, after);
        auditChange(context, { before: { ...before }, after: { ...after } });
        return after;
      },
      deleteLead(_: unknown, { id }: { id: string }, context: object) {
        const lead = found(store.leads.get(id), 'Lead', id);
        store.leads.delete(id);
        auditChange(context, { entityType: 'Lead', entityId: id, before: { ...lead }, after: null });
        return true;
      },
      convertLead(_: unknown, { id }: { id: string }, context: object) {
        const before = found(store.leads.get(id), 'Lead', id);
        const account = { id: CrmStore.newId('account'), name: before.company ?? before.name, industry: null };
        const contact = {
          id: CrmStore.newId('contact'),
          name: before.name,
          email: before.email,
          phone: null,
          accountId: account.id,
        };
        const lead: Lead = { ...before, status: 'CONVERTED' };
        store.accounts.set(account.id, account);
        store.contacts.set(contact.id, contact);
        store.leads.set(id, lead);
        auditChange(context, {
          entityType: 'Lead',
          entityId: id,
          action: 'CONVERT',
          before: { ...before },
          after: { ...lead },
        });
        auditChange(context, { entityType: 'Account', entityId: account.id, action: 'CREATE', after: { ...account } });
        auditChange(context, { entityType: 'Contact', entityId: contact.id, action: 'CREATE', after: { ...contact } });
        return { lead, account, contact };
      },
      createOpportunity(_: unknown, args: { name: string; amount?: number; accountId?: string }) {
        const opportunity = {
          id: CrmStore.newId('opportunity'),
          name: args.name,
          amount: args.amount ?? null,
          stage: 'Prospecting',
          accountId: args.accountId ?? null,
        };
        store.opportunities.set(opportunity.id, opportunity);
        return opportunity;
      },
      updateOpportunity(_: unknown, args: { id: string; stage?: string; amount?: number }, context: object) {
        const before = found(store.opportunities.get(args.id), 'Opportunity', args.id);
        const after = { ...before, stage: args.stage ?? before.stage, amount: args.amount ?? before.amount };
        store.opportunities.set(args.id, after);
        auditChange(context, { before: { ...before }, after: { ...after } });
        return after;
      },
    },
    Lead: {
      __resolveReference: byId(store.leads),
      owner: (lead: Lead) => (lead.ownerId ? store.users.get(lead.ownerId) : null),
    },
    Contact: {
      __resolveReference: byId(store.contacts),
      account: (contact: { accountId: string | null }) =>
        contact.accountId ? store.accounts.get(contact.accountId) : null,
    },
    Account: { __resolveReference: byId(store.accounts) },
    Opportunity: {
      __resolveReference: byId(store.opportunities),
      account: (opportunity: { accountId: string | null }) =>
        opportunity.accountId ? store.accounts.get(opportunity.accountId) : null,
    },
    User: { __resolveReference: byId(store.users) },
  };
}

export interface CrmContext {
  headers: Record<string, string | string[] | undefined>;
}

/** Identities by bearer token, so that a token's claims are decoded once (bounded: the oldest goes first). */
const identitiesByToken = new Map<string, AuditIdentity | null>();
const MAX_CACHED_TOKENS = 1000;

/**
 * The caller as the demo sees it: the claims of the bearer token the gateway forwards. The demo
 * reads them without checking the signature (the audit subgraph checks it on its own fields); a
 * real CRM subgraph takes its identity from its own authentication.
 */
export function identityFromToken(request: GraphQLRequestContext<CrmContext>): AuditIdentity | null {
  const authorization = request.request.http?.headers.get('authorization');
  if (!authorization) return null;
  let identity = identitiesByToken.get(authorization);
  if (identity === undefined) {
    identity = identityOfClaims(authorization);
    if (identitiesByToken.size >= MAX_CACHED_TOKENS) identitiesByToken.delete(identitiesByToken.keys().next().value!);
    identitiesByToken.set(authorization, identity);
  }
  return identity;
}

function identityOfClaims(authorization: string): AuditIdentity | null {
  const payload = authorization.match(/^Bearer [^.]+\.([^.]+)\./)?.[1];
  if (!payload) return null;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
    sub?: string;
    org?: string;
    role?: string;
    email?: string;
  };
  if (!claims.sub || !claims.org) return null;
  return { actor: { id: claims.sub, email: claims.email ?? null, role: claims.role ?? null }, tenantId: claims.org };
}

export interface CrmSubgraphOptions {
  /** Where the audit plugin queues its events; none: no audit capture (for comparisons). */
  audit?: AuditClient;
  recordFailures?: boolean;
  /**
   * Apollo's cache control (default true). It has Apollo instrument every field of every
   * operation, which bench:jetstream turns off to see the plugin's cost without that.
   */
  cacheControl?: boolean;
  port?: number;
  host?: string;
}

export interface CrmSubgraph {
  url: string;
  store: CrmStore;
  stop(): Promise<void>;
}

/** The demo CRM subgraph, on an Apollo Server of its own, capturing its mutations with the audit plugin. */
export async function startCrmSubgraph({
  audit,
  recordFailures,
  cacheControl = true,
  port = 0,
  host = '127.0.0.1',
}: CrmSubgraphOptions = {}): Promise<CrmSubgraph> {
  const store = new CrmStore();
  const server = new ApolloServer<CrmContext>({
    schema: buildSubgraphSchema({ typeDefs: crmTypeDefs, resolvers: crmResolvers(store) as never }),
    // Whoever starts it stops it, after the gateway in front and before the audit client's last flush.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ...(cacheControl ? [] : [ApolloServerPluginCacheControlDisabled()]),
      ...(audit ? [auditPlugin<CrmContext>({ client: audit, identify: identityFromToken, recordFailures })] : []),
    ],
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port, host },
    context: async ({ req }) => ({ headers: req.headers }),
  });
  return { url: `http://${host}:${new URL(url).port}/`, store, stop: () => server.stop() };
}
