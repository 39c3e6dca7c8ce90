import { Router } from 'express';
import type { RouteRuntime } from '../core/module';
import { NotFoundError } from '../errors';
import { sendProblem } from '../execution/http-problem';
import { parseUuidArgument } from '../ids';
import { OBJECT_STORE } from '../storage/object-store';
import { findExport } from './export-jobs';
import { exportContentType, exportFileName } from './export-file';
import { ExportStatus } from './export.types';
import { EXPORTS } from './exports-runtime';

/**
 * `GET /v1/exports/:id/download?tenant&expires&signature`: the export's file, streamed, for whoever
 * holds a valid link (no bearer token: the link is the credential, for 10 minutes).
 */
export function downloadRoutes({ services, logger }: RouteRuntime): Router {
  const router = Router();
  router.get('/v1/exports/:id/download', async (req, res) => {
    try {
      const id = parseUuidArgument('id', req.params.id);
      const { tenantId } = services.get(EXPORTS).verifyLink(id, req.query);
      const row = await findExport(services.reads, tenantId, id);
      if (!row || row.status !== ExportStatus.SUCCEEDED || !row.object_key)
        throw new NotFoundError('id', 'downloadable export');
      const store = services.get(OBJECT_STORE);
      const stored = await store.stat(row.object_key);
      const body = stored && (await store.get(row.object_key));
      if (!stored || !body) throw new NotFoundError('id', 'downloadable export');
      res.status(200);
      res.setHeader('content-type', exportContentType(row));
      res.setHeader('content-length', String(stored.bytes));
      res.setHeader('x-content-sha256', stored.sha256);
      res.setHeader('repr-digest', `sha-256=:${Buffer.from(stored.sha256, 'hex').toString('base64')}:`);
      res.setHeader('content-disposition', `attachment; filename="${exportFileName(row)}"`);
      res.setHeader('cache-control', 'private, no-store');
      body.on('error', (err) => {
        logger.error({ err, exportId: id }, 'exports: a download broke off');
        res.destroy(err);
      });
      body.pipe(res);
    } catch (error) {
      sendProblem(res, error, logger);
    }
  });
  return router;
}
