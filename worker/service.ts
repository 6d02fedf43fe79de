/**
 * The worker process: one BullMQ `Worker` per queue it serves (`grading`, plus
 * `grading-gpu` on a GPU machine), the sandbox, heartbeats, and an orderly stop.
 *
 * Crash safety comes from BullMQ: a job's lock lasts `workerLockMs` and is renewed at half
 * that while the job runs. A worker that dies (SIGKILL, OOM, power) stops renewing; another
 * worker's stalled-job check moves the job back to wait and it is graded again.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from '../src/config.js';
import { coerceError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import { createRedisConnection, describeRedisUrl } from '../src/queue/connection.js';
import {
  DEFAULT_QUEUE_PREFIX, GPU_GRADING_QUEUE, GRADING_QUEUE,
  type GradeJobData, type GradeJobName, type GradeJobResult, type GradingQueueName,
} from '../src/queue/grading.js';
import { createSandbox } from '../src/sandbox/select.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { HttpWorkerApi, type WorkerApi } from './api-client.js';
import { workerConcurrency } from './concurrency.js';
import { RELEASE_REASON, processGradeJob } from './grade-job.js';
import { servesGpu } from './gpu.js';
import { startHeartbeat, type RunningHeartbeat } from './heartbeat.js';
import { sandboxHealthProbe } from './sandbox-health.js';

/**
 * A job stalled more often than this is failed rather than retried forever: a notebook
 * that reliably kills its worker (in the process sandbox) must not take down every worker.
 */
const MAX_STALLED_COUNT = 2;

export interface WorkerServiceOptions {
  config: Config;
  logger: Logger;
  /** @defaultValue the API at `config.apiUrl` with `config.workerToken` */
  api?: WorkerApi;
  /** @defaultValue `createSandbox(config)`, which also removes this worker's leftover containers */
  sandbox?: Sandbox;
  /** Redis key prefix of the queues and heartbeats. @defaultValue DEFAULT_QUEUE_PREFIX */
  prefix?: string;
  /** @defaultValue from `config.workerGpu` */
  gpu?: boolean;
  /** @defaultValue HEARTBEAT_INTERVAL_MS */
  heartbeatIntervalMs?: number;
}

export interface WorkerService {
  readonly id: string;
  readonly queues: readonly GradingQueueName[];
  readonly sandboxKind: Sandbox['kind'];
  /** Jobs it grades at once (WORKER_CONCURRENCY, or the machine's; see concurrency.ts). */
  readonly concurrency: number;
  /** Jobs being graded right now. */
  readonly running: number;
  /**
   * Stops taking jobs, lets running ones finish for up to `graceMs` (then hands them back
   * to the queue), and closes everything. Calling it again returns the same promise.
   * @defaultValue graceMs: config.workerShutdownGraceS
   */
  close(options?: { graceMs?: number }): Promise<void>;
  /** Hands running jobs back to the queue now (they go to another worker), then closes. */
  release(): Promise<void>;
}

export async function startWorkerService(options: WorkerServiceOptions): Promise<WorkerService> {
  const { config } = options;
  const logger = options.logger.child({ worker: config.workerId });
  const prefix = options.prefix ?? DEFAULT_QUEUE_PREFIX;
  const gpu = options.gpu ?? servesGpu(config.workerGpu);
  const api = options.api ?? new HttpWorkerApi({ apiUrl: config.apiUrl, workerToken: config.workerToken });
  // A sandbox the caller passed in is the caller's to close.
  const ownsSandbox = options.sandbox === undefined;
  const concurrency = workerConcurrency(config);
  // One warm container per job slot: the next job finds its container and kernel started.
  const sandbox = options.sandbox ?? (await createSandbox(config, logger, { workerId: config.workerId, defaultPoolSize: concurrency }));
  const queues: GradingQueueName[] = gpu ? [GRADING_QUEUE, GPU_GRADING_QUEUE] : [GRADING_QUEUE];

  // Workers block on Redis and must wait out an outage (maxRetriesPerRequest: null);
  // heartbeats must not, so they get a fail-fast connection of their own.
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null, retryStrategy: (n: number) => Math.min(500 * n, 5000) });
  const heartbeatRedis = createRedisConnection(config.redisUrl, { logger });
  let redisDown = false;
  connection.on('error', (e: Error) => {
    if (!redisDown) logger.warn({ redis: describeRedisUrl(config.redisUrl), err: e.message }, 'Redis is unreachable; the worker waits for it');
    redisDown = true;
  });
  connection.on('ready', () => {
    if (redisDown) logger.info('Redis is reachable again');
    redisDown = false;
  });

  let running = 0;
  const workers = queues.map((name) => {
    const worker = new Worker<GradeJobData, GradeJobResult, GradeJobName>(
      name,
      // Three declared parameters: BullMQ passes the abort signal only to processors that take one.
      async (job, token, signal) => {
        running++;
        try {
          return await processGradeJob(job, token, signal, { api, sandbox, limits: config.sandboxLimits, logger });
        } finally {
          running--;
        }
      },
      {
        connection,
        prefix,
        name: config.workerId,
        concurrency,
        lockDuration: config.workerLockMs,
        stalledInterval: config.workerLockMs,
        maxStalledCount: MAX_STALLED_COUNT,
        autorun: false,
      },
    );
    worker.on('error', (e) => {
      if (!redisDown) logger.error({ queue: name, err: coerceError(e).message }, 'worker error');
    });
    worker.on('stalled', (jobId) => logger.warn({ queue: name, jobId }, 'a job lost its worker; it goes back to the queue'));
    return worker;
  });
  for (const worker of workers) {
    void worker.run().catch((e: unknown) => logger.error({ err: coerceError(e).message }, 'worker loop stopped'));
  }

  const heartbeat: RunningHeartbeat = startHeartbeat({
    redis: heartbeatRedis,
    prefix,
    id: config.workerId,
    sandboxKind: sandbox.kind,
    probe: sandboxHealthProbe(sandbox, config),
    gpu,
    concurrency,
    logger,
    intervalMs: options.heartbeatIntervalMs,
  });
  logger.info({ queues, sandbox: sandbox.kind, gpu, concurrency, api: config.apiUrl }, 'worker started');

  const release = () => {
    for (const worker of workers) worker.cancelAllJobs(RELEASE_REASON);
  };
  let closing: Promise<void> | undefined;
  const close = (graceMs: number): Promise<void> => {
    closing ??= (async () => {
      logger.info({ running, graceS: graceMs / 1000 }, 'worker stopping: taking no new jobs, finishing running ones');
      const timer = setTimeout(() => {
        logger.warn({ running }, 'shutdown grace period is over; handing running jobs back to the queue');
        release();
      }, graceMs);
      try {
        await Promise.all(workers.map((w) => w.close()));
      } finally {
        clearTimeout(timer);
        await heartbeat.stop();
        heartbeatRedis.disconnect();
        connection.disconnect();
        if (ownsSandbox) await sandbox.close();
      }
      logger.info('worker stopped');
    })();
    return closing;
  };

  return {
    id: config.workerId,
    queues,
    sandboxKind: sandbox.kind,
    concurrency,
    get running() {
      return running;
    },
    close: (o = {}) => close(o.graceMs ?? config.workerShutdownGraceS * 1000),
    async release() {
      release();
      await close(0);
    },
  };
}
