/**
 * Operations: health, metrics and the API's own description. No token needed: they show
 * no submission data, and probes and scrapers carry none.
 */
import { Router, type Request, type Response } from 'express';
import type { ApiContext } from '../context.js';
import { checkHealth } from '../health.js';
import { openApiDocument } from '../openapi.js';

export function serviceRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/healthz', async (_req: Request, res: Response) => {
    const health = await checkHealth({ redis: ctx.redis, store: ctx.store, prefix: ctx.queues.prefix });
    if (health.status === 'ok') {
      res.json(health);
      return;
    }
    const failing = (['redis', 'store', 'workers'] as const).filter((part) => !health[part].ok);
    res.status(503).json({
      error: 'UNHEALTHY',
      detail: failing.map((part) => `${part}: ${health[part].detail}`).join('; '),
      ...health,
    });
  });

  router.get('/metrics', async (_req: Request, res: Response) => {
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });

  const document = openApiDocument();
  router.get('/api/openapi.json', (_req: Request, res: Response) => {
    res.json(document);
  });

  return router;
}
