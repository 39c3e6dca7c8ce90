import type { Server } from 'node:http';
import type { Router } from 'express';
import type { MigrationObject } from '@mikro-orm/core';
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import type { IRuleFieldMap } from 'graphql-shield/typings/types';
import type { ClassType } from 'type-graphql';
import type { Authenticate } from '../auth/verify-token';
import type { Logger } from '../observability/logger';
import type { CommitBus } from './commit-bus';
import type { RequestContext, Services } from './context';
import type { AppConfig } from '../config';
import type { SettingsSpec } from './settings';
import type { Database, ModuleEntity } from '../db/database';

/** Resolves a federation reference (`_entities`) of one of the module's entity types. */
export type ReferenceResolver = (reference: { id: string }, context: RequestContext) => unknown;

/** What a module gets when the app starts it. */
export interface ModuleRuntime {
  /** The server's configuration; `config.settings.of(spec)` gives a module its own variables. */
  config: AppConfig;
  db: Database;
  services: Services;
  bus: CommitBus;
  logger: Logger;
  /** The HTTP server, the executable schema and the bearer check: for modules with transports of their own. */
  http: { server: Server; schema: GraphQLSchema; authenticate: Authenticate };
}

/** What a module's HTTP routes get: they are mounted before `/graphql`, before any module starts. */
export interface RouteRuntime {
  config: AppConfig;
  /** Services other modules provide appear once they start: look them up per request. */
  services: Services;
  logger: Logger;
  /** The executable schema (rules included): routes that answer through GraphQL operations share its checks. */
  schema: GraphQLSchema;
  authenticate: Authenticate;
}

/** A background worker a module started; stopped in reverse order of start. */
export interface RunningModule {
  stop(): Promise<void>;
}

/**
 * One capability: everything the app needs to know of it. The schema builder, the permissions,
 * the database, the request context and the app iterate over the list in src/modules.ts.
 */
export interface AuditModule {
  readonly name: string;
  /** type-graphql resolver classes. */
  readonly resolvers?: readonly ClassType[];
  /**
   * Root fields whose resolver takes the arguments exactly as GraphQL coerced them, instead of
   * type-graphql's copy of every input object into its class: for hot paths whose inputs are
   * large (a 500-event `recordAuditEvents`). Applied by the schema builder, under the rules.
   */
  readonly coercedArgumentResolvers?: Partial<
    Record<'Query' | 'Mutation', Readonly<Record<string, GraphQLFieldResolver<unknown, RequestContext>>>>
  >;
  /** Types the schema holds though no resolver returns them (entities other subgraphs own). */
  readonly orphanedTypes?: readonly ClassType[];
  /** `__resolveReference` per entity type; each checks its caller, since `_entities` is open. */
  readonly references?: Readonly<Record<string, ReferenceResolver>>;
  /** graphql-shield rules per type and field; any field no module lists is denied. */
  readonly rules?: Readonly<Record<string, IRuleFieldMap>>;
  /** Result types reached only through guarded fields: their own fields are left open. */
  readonly openTypes?: readonly string[];
  /** MikroORM entity schemas of the module's configuration tables. */
  readonly entities?: readonly ModuleEntity[];
  /** The module's migrations; all modules' migrations run in the order of their names. */
  readonly migrations?: readonly MigrationObject[];
  /** The environment variables it reads (validated once at start-up with every other module's). */
  readonly settings?: SettingsSpec;
  /** HTTP routes of its own (REST, downloads, well-known documents), beside `/graphql`. */
  routes?(runtime: RouteRuntime): Router;
  /** Starts what runs in the background; called in list order after the schema is built. */
  start?(runtime: ModuleRuntime): Promise<RunningModule | void>;
}
