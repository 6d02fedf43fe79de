/**
 * Operations: health, metrics and the API's own description. No token needed: they show
 * no submission data, and probes and scrapers carry none. /healthz tells anyone whether
 * the service can grade; which workers exist and why a part fails (worker ids, sandbox
 * errors) only an instructor's or admin's token sees.
 */
import { Router, type Request, type Response } from 'express';
import { isStaff } from '../auth.js';
import type { ApiContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { checkHealth } from '../health.js';
import { openApiDocument } from '../openapi.js';

export function serviceRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/healthz', async (req: Request, res: Response) => {
    const detailed = await staffAsking(ctx, req);
    const health = await checkHealth({ redis: ctx.redis, store: ctx.store, prefix: ctx.queues.prefix });
    if (health.status === 'ok') {
      res.json(detailed ? health : { status: health.status });
      return;
    }
    const failing = (['redis', 'store', 'workers'] as const).filter((part) => !health[part].ok);
    res.status(503).json(
      detailed
        ? { error: 'UNHEALTHY', detail: failing.map((part) => `${part}: ${health[part].detail}`).join('; '), ...health }
        : { error: 'UNHEALTHY', detail: `not ready to grade (${failing.join(', ')}); an instructor's token shows why`, status: health.status },
    );
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

/** True for an instructor's or admin's token; no token is an anonymous probe; a bad one is refused as on any route. */
async function staffAsking(ctx: ApiContext, req: Request): Promise<boolean> {
  const header = req.get('authorization');
  if (header === undefined || header.trim() === '') return false;
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  const authenticated = token === undefined ? undefined : await ctx.store.authenticateToken(token);
  if (authenticated === undefined) {
    throw new HttpError(401, 'INVALID_TOKEN', 'the API token is unknown, revoked or expired; leave it out for the public health status', {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  }
  return isStaff(authenticated.user);
}
