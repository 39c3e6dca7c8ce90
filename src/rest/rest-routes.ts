import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { GraphQLError } from 'graphql';
import { AuditPermission, permissionProblem } from '../auth/permissions';
import type { Principal } from '../auth/principal';
import { createRequestContext, type RequestContext } from '../core/context';
import type { RouteRuntime } from '../core/module';
import { AuditError, BadUserInputError, ErrorCode, NotFoundError, UnauthenticatedError } from '../errors';
import { recordAdminEvent } from '../events/admin-event';
import { AuditAction } from '../events/enums';
import { writerOf } from '../events/record-events';
import { sendProblem } from '../execution/http-problem';
import { parseUuidArgument } from '../ids';
import { requestIdOf } from '../net/request-id';
import { openApiDocument } from './openapi';
import { EndpointClass, RATE_LIMITS, RATE_POLICIES, type RateDecision } from './rate-limits';
import { OPERATIONS, runOperation } from './rest-graphql';
import { listCriteria, pageParams, statsParams } from './rest-params';

type Page = { edges: Array<{ node: unknown }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

/** A REST request's caller and context, once authenticated and counted. */
interface RestLocals {
  context: RequestContext;
}

function originOf(req: Request): string {
  return `${req.protocol}://${req.get('host')}`;
}

function policyHeader(endpointClass: EndpointClass): string {
  const { limit, windowSeconds } = RATE_POLICIES[endpointClass];
  return `"${endpointClass}";q=${limit};w=${windowSeconds}`;
}

function setRateHeaders(res: Response, endpointClass: EndpointClass, decision: RateDecision): void {
  res.setHeader('RateLimit', `"${endpointClass}";r=${decision.remaining};t=${decision.resetSeconds}`);
  if (!decision.allowed) res.setHeader('Retry-After', String(decision.resetSeconds));
}

/** A GraphQL error of the operation, with the names REST gives its parameters. */
function restError(error: unknown, bodyArguments: boolean): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const code = error.extensions?.code;
  const argument = error.extensions?.argument;
  if (bodyArguments && code === ErrorCode.BadUserInput && typeof argument === 'string' && argument.startsWith('input.'))
    return new BadUserInputError(argument.slice('input.'.length), error.message.replace(/^[^:]*:\s*/, ''));
  // Variables the operation could not coerce: the request's own fault, never an internal error.
  if (code === undefined && !error.path) return new BadUserInputError('body', error.message);
  return error;
}

/**
 * Authenticates, counts the call against the tenant's quota of its class (refusing past it), and
 * hands the handler a request context: every answer carries the rate-limit headers.
 */
function endpoint(
  runtime: RouteRuntime,
  endpointClass: EndpointClass,
  handle: (req: Request, res: Response, locals: RestLocals) => Promise<void>,
  bodyArguments = false,
) {
  return async (req: Request, res: Response): Promise<void> => {
    const { services, logger, authenticate } = runtime;
    res.setHeader('RateLimit-Policy', policyHeader(endpointClass));
    const requestId = requestIdOf(res);
    try {
      const auth = await authenticate(req.get('authorization'));
      if (!auth.principal) throw new UnauthenticatedError(`A valid bearer token is required: ${auth.problem}`);
      const decision = await services.get(RATE_LIMITS).consume(auth.principal.tenantId, endpointClass);
      setRateHeaders(res, endpointClass, decision);
      if (!decision.allowed) {
        if (decision.firstRefusal) void recordRefusal(runtime, auth.principal, endpointClass, req);
        throw new AuditError(
          ErrorCode.RateLimited,
          `More than ${decision.policy.limit} ${endpointClass} requests in ${decision.policy.windowSeconds} s for this tenant: retry after ${decision.resetSeconds} s`,
          { retryAfterSeconds: decision.resetSeconds },
        );
      }
      const context = createRequestContext(services, auth, requestId, originOf(req));
      // Every endpoint reads the log; the operations' own rules check the rest (EXPORT, ...).
      const problem = await permissionProblem(context, [AuditPermission.READ_EVENTS]);
      if (problem) throw problem;
      await handle(req, res, { context }).catch((error: unknown) => {
        throw restError(error, bodyArguments);
      });
    } catch (error) {
      sendProblem(res, error, logger.child({ requestId }));
    }
  };
}

/** One RATE_LIMITED event per tenant, class and window, whichever replica refused first. */
async function recordRefusal(
  { services, logger }: RouteRuntime,
  caller: Principal,
  endpointClass: EndpointClass,
  req: Request,
): Promise<void> {
  const { limit, windowSeconds } = RATE_POLICIES[endpointClass];
  try {
    await recordAdminEvent(writerOf(services), caller, {
      action: AuditAction.RATE_LIMITED,
      entityType: 'RestApi',
      entityId: endpointClass,
      changes: [],
      metadata: { endpointClass, limit, windowSeconds, method: req.method, path: req.path, coalesced: true },
    });
  } catch (err) {
    logger.error({ err }, 'rest: could not record a RATE_LIMITED event');
  }
}

/** `{ data, nextCursor }` and a `Link: <...>; rel="next"` header when another page follows. */
function sendPage(req: Request, res: Response, page: Page): void {
  const nextCursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  if (nextCursor) {
    const next = new URL(`${originOf(req)}${req.originalUrl}`);
    next.searchParams.set('cursor', nextCursor);
    res.setHeader('Link', `<${next.toString()}>; rel="next"`);
  }
  res.json({ data: page.edges.map((edge) => edge.node), nextCursor });
}

/** The REST API of the contract, on the same port as GraphQL. */
export function restRoutes(runtime: RouteRuntime): Router {
  const { schema } = runtime;
  const router = Router();
  const run = <T>(context: RequestContext, operation: keyof typeof OPERATIONS, variables: Record<string, unknown>) =>
    runOperation<T>(schema, context, OPERATIONS[operation], variables);

  router.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  router.get(
    '/v1/audit-trail',
    endpoint(runtime, EndpointClass.List, async (req, res, { context }) => {
      const { first, after } = pageParams(req.query);
      const { filter, search } = listCriteria(req.query);
      const data = await run<{ auditEvents: Page }>(context, 'list', { filter, search, first, after });
      sendPage(req, res, data.auditEvents);
    }),
  );

  router.get(
    '/v1/audit-trail/stats',
    endpoint(runtime, EndpointClass.List, async (req, res, { context }) => {
      const data = await run<{ auditStats: unknown }>(context, 'stats', statsParams(req.query));
      res.json(data.auditStats);
    }),
  );

  router.get(
    '/v1/audit-trail/entity/:type/:id',
    endpoint(runtime, EndpointClass.List, async (req, res, { context }) => {
      const { first, after } = pageParams(req.query);
      const filter = { entityTypes: [req.params.type], entityIds: [req.params.id] };
      const data = await run<{ auditEvents: Page }>(context, 'list', { filter, first, after });
      sendPage(req, res, data.auditEvents);
    }),
  );

  router.post(
    '/v1/audit-trail/exports',
    express.json({ limit: '64kb' }),
    endpoint(
      runtime,
      EndpointClass.Export,
      async (req, res, { context }) => {
        if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))
          throw new BadUserInputError('body', 'must be a JSON object shaped as AuditExportInput');
        const data = await run<{ startAuditExport: { id: string } }>(context, 'startExport', { input: req.body });
        res.status(202).setHeader('Location', `/v1/audit-trail/exports/${data.startAuditExport.id}`);
        res.json(data.startAuditExport);
      },
      true,
    ),
  );

  router.get(
    '/v1/audit-trail/exports/:id',
    endpoint(runtime, EndpointClass.Single, async (req, res, { context }) => {
      const id = parseUuidArgument('id', req.params.id);
      const data = await run<{ auditExport: unknown }>(context, 'readExport', { id });
      if (!data.auditExport) throw new NotFoundError('id', 'export');
      res.json(data.auditExport);
    }),
  );

  router.get(
    '/v1/audit-trail/:id',
    endpoint(runtime, EndpointClass.Single, async (req, res, { context }) => {
      const id = parseUuidArgument('id', req.params.id);
      const data = await run<{ auditEvent: unknown }>(context, 'one', { id });
      if (!data.auditEvent) throw new NotFoundError('id', 'event');
      res.json(data.auditEvent);
    }),
  );

  // A body express.json could not read: a problem, like every other refusal of this API.
  router.use('/v1', (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    sendProblem(res, new AuditError(ErrorCode.BadRequest, 'The request body is not valid JSON'), runtime.logger);
  });
  return router;
}
