import { Router } from 'express';
import type { Database } from '../db/database';
import type { Metrics } from '../observability/metrics';

/** `/healthz`: the process lives. `/readyz`: the database answers and is migrated. `/metrics`: Prometheus. */
export function healthRoutes(db: Database, metrics: Metrics): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const ready = await db.isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
