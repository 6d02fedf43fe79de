/**
 * The whole service in one process, as `autograder serve` runs it: the store (SQLite
 * under DATA_DIR, or DATABASE_URL), the queues on REDIS_URL, the API on a port, the
 * reconciler, and an in-process worker that talks to that API like any remote worker
 * (over HTTP, with a worker token). The demo, the integration tests and the service
 * benchmark start it the same way.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listAssignments } from '../../graders/index.js';
import { createApp } from '../api/app.js';
import { createLmsServices } from '../lms/lms-services.js';
import { startPassbackWorker } from '../lms/passback-worker.js';
import { SecretBox } from '../lms/secret-box.js';
import type { Config } from '../config.js';
import { UsageError, coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { waitForRedis } from '../queue/connection.js';
import { createGradingQueues, type GradingQueues } from '../queue/grading.js';
import { startReconciler, type RunningReconciler } from '../queue/reconciler.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { openStore, type Store } from '../store/store.js';
import { startWorkerService, type WorkerService } from '../../worker/service.js';
import { bootstrapTokens } from './bootstrap-tokens.js';

export interface GradingServiceOptions {
  config: Config;
  logger: Logger;
  /** 0 picks a free port. @defaultValue config.port */
  port?: number;
  /** @defaultValue 127.0.0.1 (use 0.0.0.0 to serve other machines) */
  host?: string;
  /** Run a worker in this process. @defaultValue true */
  worker?: boolean;
  /** Redis key prefix of queues and heartbeats. @defaultValue the queue module's default */
  prefix?: string;
  /** The in-process worker's sandbox. @defaultValue createSandbox(config) */
  sandbox?: Sandbox;
  /** A token the store knows (admin or instructor), instead of creating one at first start. */
  adminToken?: string;
  /** @defaultValue DEFAULT_RECONCILE_INTERVAL_MS */
  reconcileIntervalMs?: number;
  /** How long a queued or running submission may sit unchanged before its job is checked for loss. @defaultValue DEFAULT_RECOVER_AFTER_MS */
  recoverAfterMs?: number;
}

export interface GradingService {
  /** `http://host:port`, what clients and the in-process worker use. */
  readonly url: string;
  readonly port: number;
  /** Created at this (first) start, or the one given; undefined on later starts. */
  readonly adminToken: string | undefined;
  readonly adminTokenIsNew: boolean;
  /** For workers on other machines; created at first start only (show it then). */
  readonly remoteWorkerToken: string | undefined;
  /** The in-process worker's token (revoked at close unless it came from WORKER_TOKEN); none with `worker: false`. */
  readonly workerToken: string | undefined;
  readonly store: Store;
  readonly queues: GradingQueues;
  readonly worker: WorkerService | undefined;
  readonly reconciler: RunningReconciler;
  /** Stops the worker (finishing running jobs for up to `graceMs`), then the API and the rest. */
  close(options?: { graceMs?: number }): Promise<void>;
  /** Hands running jobs back to the queue, then closes. */
  release(): Promise<void>;
}

export async function startGradingService(options: GradingServiceOptions): Promise<GradingService> {
  const { config, logger } = options;
  const store = await openStore(config, { logger });
  const cleanup: Array<() => Promise<unknown>> = [() => store.close()];
  try {
    const tokens = await bootstrapTokens({
      store,
      dataDir: config.dataDir,
      adminToken: options.adminToken ?? (config.adminToken || undefined),
      workerToken: config.workerToken || undefined,
      worker: options.worker !== false,
    });
    const { workerToken } = tokens;
    if (tokens.workerTokenIsEphemeral && workerToken !== undefined) cleanup.unshift(() => store.revokeToken(workerToken));
    const queues = createGradingQueues(config.redisUrl, { prefix: options.prefix, logger });
    cleanup.unshift(() => queues.close());
    await waitForRedis(queues.redis).catch((e: unknown) => {
      logger.warn({ err: coerceError(e).message }, 'Redis does not answer: uploads are stored and graded once it is back');
    });

    const lms = createLmsServices({ repo: store.lms, box: SecretBox.forConfig(config), redis: queues.redis, prefix: queues.prefix, logger });
    const app = createApp({ config, store, queues, redis: queues.redis, logger, lms });
    const server = await listen(app, options.port ?? config.port, options.host ?? '127.0.0.1');
    cleanup.unshift(() => closeServer(server));
    const port = (server.address() as AddressInfo).port;
    const host = options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

    const reconciler = startReconciler({
      store,
      queues,
      assignments: listAssignments(),
      logger,
      intervalMs: options.reconcileIntervalMs,
      recoverAfterMs: options.recoverAfterMs,
    });
    cleanup.unshift(() => reconciler.stop());

    // Score passback needs the store, so it runs here, beside the API, never in a grading worker.
    const passback = startPassbackWorker({
      redisUrl: config.redisUrl,
      prefix: queues.prefix,
      repo: store.lms,
      results: store,
      box: lms.box,
      keys: lms.keys,
      queue: lms.passbackQueue,
      publicUrl: url,
      logger,
    });
    cleanup.unshift(() => passback.close());

    const worker = options.worker === false || workerToken === undefined
      ? undefined
      : await startWorkerService({
        config: { ...config, apiUrl: url, workerToken },
        logger,
        prefix: queues.prefix,
        sandbox: options.sandbox,
      });
    logger.info({ url, worker: worker !== undefined, database: store.location }, 'grading service listening');

    let closing: Promise<void> | undefined;
    const closeAll = (stopWorker: () => Promise<void>): Promise<void> => {
      closing ??= (async () => {
        // The worker first: it still needs the API to hand in the jobs it finishes.
        await stopWorker();
        for (const step of cleanup) await step();
      })();
      return closing;
    };
    return {
      url,
      port,
      adminToken: tokens.adminToken,
      adminTokenIsNew: tokens.adminTokenIsNew,
      remoteWorkerToken: tokens.remoteWorkerToken,
      workerToken: tokens.workerToken,
      store,
      queues,
      worker,
      reconciler,
      close: (o = {}) => closeAll(async () => worker?.close(o)),
      release: () => closeAll(async () => worker?.release()),
    };
  } catch (e) {
    for (const step of cleanup) await step().catch(() => undefined /* the original error says more */);
    throw e;
  }
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new UsageError('PORT_IN_USE', `port ${port} on ${host} is taken; choose another with --port (0 picks a free one)`, { cause: e })
          : e,
      );
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((e) => (e ? reject(e) : resolve()));
    // Idle keep-alive connections would hold close() open until they time out.
    server.closeIdleConnections();
  });
}
