/**
 * The HTTP API (Express 5). `createApp` builds the app and starts nothing: the caller
 * listens (the `serve` command, or a test on an ephemeral port) and runs the reconciler.
 *
 * Every answer that is not a success is `{ "error": CODE, "detail": what to do }` from
 * the one error handler below; stack traces are logged, never sent.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import { listAssignments } from '../../graders/index.js';
import type { Config } from '../config.js';
import type { AssignmentDefinition } from '../grading/assignment.js';
import type { Logger } from '../logger.js';
import type { GradingQueues } from '../queue/grading.js';
import { BlobStore } from '../store/blobs.js';
import type { Store } from '../store/store.js';
import { resolveLimits, type UnpackLimitsInput } from '../submission/limits.js';
import { AssignmentCatalogue } from './catalogue.js';
import type { ApiContext } from './context.js';
import { HttpError, toHttpError } from './http-error.js';
import { createMetrics } from './metrics.js';
import { UploadGate, type UploadGateOptionsInput } from './upload-gate.js';
import { assignmentRoutes } from './routes/assignments.js';
import { serviceRoutes } from './routes/service.js';
import { submissionRoutes } from './routes/submissions.js';
import { workerRoutes } from './routes/worker.js';
import { lmsRoutes } from './routes/lms.js';
import { createLmsServices, type LmsServices } from '../lms/lms-services.js';
import { SecretBox } from '../lms/secret-box.js';
import { createPages } from '../pages/index.js';
import { submissionFileRoutes } from './routes/submission-files.js';

export interface ApiDependencies {
  config: Pick<Config, 'dataDir'> & Partial<Pick<Config, 'lmsSecretKey'>>;
  /** LMS webhooks, keys and score passback. @defaultValue built on `store`, `queues` and the LMS key of `config` */
  lms?: LmsServices;
  store: Store;
  /** From `createGradingQueues`; its prefix is also where worker heartbeats are read. */
  queues: GradingQueues;
  /** For /healthz (PING, heartbeats); `queues.redis` is the usual choice. */
  redis: Redis;
  logger: Logger;
  /** @defaultValue `BlobStore.forConfig(config)` (files under `<dataDir>/blobs`) */
  blobs?: BlobStore;
  /** The assignments served. @defaultValue the built-in catalogue, `listAssignments()` */
  assignments?: readonly AssignmentDefinition[];
  /** Limits on uploads (size, files in a zip, ...). @defaultValue the unpacker's defaults (64 MiB upload) */
  uploadLimits?: UnpackLimitsInput;
  /** Bounds on uploads in progress (validations at once, per user). @defaultValue UploadGate's defaults */
  uploadConcurrency?: UploadGateOptionsInput;
  /** Where upload bodies wait while they are checked. @defaultValue `<dataDir>/tmp/uploads` */
  uploadTempDir?: string;
  /** The clock for deadlines and limits. @defaultValue () => new Date() */
  now?: () => Date;
}

export function createApp(deps: ApiDependencies): Express {
  const uploadLimits = resolveLimits(deps.uploadLimits);
  const ctx: ApiContext = {
    store: deps.store,
    blobs: deps.blobs ?? BlobStore.forConfig(deps.config, { maxBytes: uploadLimits.maxUploadBytes }),
    queues: deps.queues,
    redis: deps.redis,
    logger: deps.logger,
    catalogue: new AssignmentCatalogue(deps.assignments ?? listAssignments(), deps.store),
    metrics: createMetrics(deps.queues, deps.logger),
    uploadLimits,
    uploadGate: new UploadGate(deps.uploadConcurrency),
    uploadTempDir: deps.uploadTempDir ?? join(deps.config.dataDir, 'tmp', 'uploads'),
    now: deps.now ?? (() => new Date()),
    lms:
      deps.lms ??
      createLmsServices({ repo: deps.store.lms, box: SecretBox.forConfig(deps.config), redis: deps.queues.redis, prefix: deps.queues.prefix, logger: deps.logger }),
  };

  const app = express();
  app.disable('x-powered-by');
  // Flat query strings only: `?a[b]=1` stays a plain key instead of becoming an object.
  app.set('query parser', 'simple');
  app.use((_req: Request, res: Response, next: NextFunction) => {
    const requestId = randomUUID();
    res.locals.requestId = requestId;
    res.set('X-Request-Id', requestId);
    next();
  });

  const pages = createPages(ctx, { dataDir: deps.config.dataDir });
  app.use(pages.beforeRoutes);

  app.use(serviceRoutes(ctx));
  app.use(assignmentRoutes(ctx));
  app.use(submissionRoutes(ctx));
  app.use(submissionFileRoutes(ctx));
  app.use(workerRoutes(ctx));
  app.use(lmsRoutes(ctx));
  app.use(pages.routes);

  app.use((req: Request) => {
    throw new HttpError(404, 'NOT_FOUND', `there is no route ${req.method} ${req.path}; see /api/openapi.json`);
  });
  app.use(errorHandler(ctx.logger));
  return app;
}

function errorHandler(logger: Logger) {
  // Express recognises an error handler by its four parameters.
  return (thrown: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { error, internal } = toHttpError(thrown);
    const requestId = res.locals.requestId as string | undefined;
    if (internal) {
      logger.error({ err: thrown, requestId, method: req.method, path: req.path }, 'request failed');
    } else {
      logger.debug({ code: error.code, status: error.status, requestId, path: req.path }, 'request refused');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A request refused before its body was read (an upload to an unknown assignment):
    // read and drop the rest, and close the connection, so the client sees this answer
    // instead of a reset while it is still sending.
    if (!req.readableEnded) {
      res.set('Connection', 'close');
      req.resume();
    }
    res
      .status(error.status)
      .set(error.extra.headers ?? {})
      .json({ ...error.extra.body, error: error.code, detail: internal && requestId ? `${error.detail} (request ${requestId})` : error.detail });
  };
}
