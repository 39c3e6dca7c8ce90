import type { EntityManager, Knex, MikroORM } from '@mikro-orm/postgresql';
import type { Authentication, Principal } from '../auth/principal';
import { AuditError, ErrorCode } from '../errors';
import type { OutboundAllowList } from '../net/outbound-url';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { CommitBus } from './commit-bus';

/** Names a service a module provides at start-up (see {@link Services.get}). */
export interface ServiceKey<T> {
  readonly name: string;
  /** Never set: carries the type. */
  readonly type?: T;
}

export function serviceKey<T>(name: string): ServiceKey<T> {
  return { name };
}

/** What lives as long as the server: shared by every request. */
export interface Services {
  /** The shared pool: writes, migrations, configuration tables. */
  knex: Knex;
  /** For reads of the audit log: PostgreSQL cancels their statements after READ_STATEMENT_TIMEOUT_MS. */
  reads: Knex;
  orm: MikroORM;
  logger: Logger;
  metrics: Metrics;
  bus: CommitBus;
  /** Which internal hosts URLs configured by tenant admins may reach all the same. */
  outbound: OutboundAllowList;
  /** @throws AuditError NOT_SERVED_HERE when no running module provides `key`. */
  get<T>(key: ServiceKey<T>): T;
  /** @throws Error when `key` is provided twice. */
  provide<T>(key: ServiceKey<T>, service: T): void;
}

export function createServices(base: Omit<Services, 'get' | 'provide'>): Services {
  const provided = new Map<string, unknown>();
  return {
    ...base,
    get<T>(key: ServiceKey<T>) {
      if (!provided.has(key.name))
        throw new AuditError(ErrorCode.NotServedHere, `${key.name} is not served by this instance`);
      return provided.get(key.name) as T;
    },
    provide(key, service) {
      if (provided.has(key.name)) throw new Error(`${key.name} is provided twice`);
      provided.set(key.name, service);
    },
  };
}

/** Per-request loaders (DataLoaders, or a set of them): created on first use for an authenticated caller, then shared by the request. */
export interface LoaderKey<T> {
  readonly name: string;
  create(services: Services, principal: Principal): T;
}

export function loaderKey<T>(name: string, create: (services: Services, principal: Principal) => T): LoaderKey<T> {
  return { name, create };
}

/** What lives as long as one request (or one subscription). */
export interface RequestContext {
  auth: Authentication;
  services: Services;
  log: Logger;
  requestId: string;
  /** The scheme and host the request came to (`http://host:port`), for absolute links; absent when unknown. */
  origin?: string;
  /** The request's loader for `key`; authenticated callers only. */
  loader<T>(key: LoaderKey<T>): T;
  /** The request's entity manager (one per request), for the configuration tables. */
  em(): EntityManager;
}

export function createRequestContext(
  services: Services,
  auth: Authentication,
  requestId: string,
  origin?: string,
): RequestContext {
  const loaders = new Map<string, unknown>();
  let em: EntityManager | undefined;
  const log = services.logger.child({ requestId, tenant: auth.principal?.tenantId, subject: auth.principal?.subject });
  return {
    auth,
    services,
    log,
    requestId,
    origin,
    loader<T>(key: LoaderKey<T>) {
      if (!auth.principal) throw new Error(`${key.name} is loaded for an authenticated caller only`);
      if (!loaders.has(key.name)) loaders.set(key.name, key.create(services, auth.principal));
      return loaders.get(key.name) as T;
    },
    em() {
      em ??= services.orm.em.fork();
      return em;
    },
  };
}

/** The caller's tenant; call only behind a rule that requires a principal. */
export function tenantOf(context: RequestContext): string {
  if (!context.auth.principal) throw new Error('tenantOf called without a principal');
  return context.auth.principal.tenantId;
}
