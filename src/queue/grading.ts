/**
 * The grading queues (STYLE.md practices 1-2): their names, the versioned job schema,
 * the job options and the one producer, `enqueueGrade`.
 *
 * A job carries ids only: the worker fetches the upload from the API with its token,
 * so nothing a student wrote and no secret ever sits in Redis.
 *
 * One submission is queued once at a time: the job id is `<submissionId>.a<attempts>`,
 * where `attempts` is how many times a worker had started grading it when this grading
 * was requested. Enqueueing the same request twice (the API and the reconciler racing,
 * a retried request) adds nothing, while a regrade requested after a worker started
 * gets a new id and a new job.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PlatformError, UsageError, coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createRedisConnection, describeRedisUrl, waitForRedis, withRedisTimeout, DEFAULT_REDIS_CONNECT_TIMEOUT_MS } from './connection.js';

/** CPU assignments. Every worker consumes it. */
export const GRADING_QUEUE = 'grading';
/** Assignments with `gpu: true`. Only workers with a GPU consume it. */
export const GPU_GRADING_QUEUE = 'grading-gpu';
export const GRADING_QUEUE_NAMES = [GRADING_QUEUE, GPU_GRADING_QUEUE] as const;
export type GradingQueueName = (typeof GRADING_QUEUE_NAMES)[number];

/** The BullMQ job name of every grading job. */
export const GRADE_JOB_NAME = 'grade';
export type GradeJobName = typeof GRADE_JOB_NAME;

/**
 * The Redis key prefix of the queues and of the worker heartbeats.
 * Tests pass their own so files never see each other's jobs.
 */
export const DEFAULT_QUEUE_PREFIX = 'autograder';

export function queueNameFor(assignment: { gpu: boolean }): GradingQueueName {
  return assignment.gpu ? GPU_GRADING_QUEUE : GRADING_QUEUE;
}

const Id = z.string().min(1).max(200);

export const GradeJobDataV1Schema = z.object({
  v: z.literal(1),
  submissionId: Id,
  assignmentId: Id,
});

/**
 * Every version a processor accepts. Jobs outlive deploys: when v2 arrives, make this
 * a `z.discriminatedUnion('v', [...])` and upgrade older payloads in `parseGradeJobData`.
 */
export const GradeJobDataSchema = GradeJobDataV1Schema;
export type GradeJobData = z.infer<typeof GradeJobDataSchema>;

/** What a grading processor returns (kept by BullMQ with the completed job). */
export const GradeJobResultSchema = z.object({
  submissionId: Id,
  /** `not_gradable`: a student error, recorded as a result with `gradable: false`. */
  outcome: z.enum(['graded', 'not_gradable']),
  score: z.number().nonnegative(),
  maxScore: z.number().nonnegative(),
});
export type GradeJobResult = z.infer<typeof GradeJobResultSchema>;

export type GradingQueue = Queue<GradeJobData, GradeJobResult, GradeJobName>;

/**
 * Parses `job.data` at the start of a processor (jobs may come from older code or the CLI).
 * Throws `BAD_JOB_DATA` (kind usage): retrying cannot fix it, so fail the job for good.
 */
export function parseGradeJobData(data: unknown): GradeJobData {
  const parsed = GradeJobDataSchema.safeParse(data);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new UsageError('BAD_JOB_DATA', `grading job data is not a v1 grade job (${detail}): ${JSON.stringify(data)?.slice(0, 300)}`);
  }
  return parsed.data;
}

/**
 * Retries are for platform errors (Redis, Docker, the API unreachable): a student error is
 * a completed job with a `gradable: false` report and a grader bug fails the job as
 * unrecoverable, so only platform errors ever use these attempts.
 */
export const GRADE_JOB_OPTIONS = {
  /** @defaultValue 5 tries in all: about 10 s, 20 s, 40 s, 80 s apart */
  attempts: 5,
  backoff: { type: 'exponential', delay: 10_000 },
  /** Completed jobs are kept a week (at most 10 000) for `status` and debugging. */
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  /** Failed jobs are kept a month (at most 10 000) so an instructor can see why. */
  removeOnFail: { age: 30 * 24 * 3600, count: 10_000 },
} as const satisfies JobsOptions;

/** The job id of one grading request; see the module comment. */
export function gradeJobId(submissionId: string, attempts: number): string {
  // BullMQ refuses ':' in custom ids and ids that parse as integers; ids of ours have neither.
  if (submissionId.includes(':')) throw new UsageError('BAD_JOB_DATA', `a submission id may not contain ':': ${submissionId}`);
  return `${submissionId}.a${attempts}`;
}

export interface EnqueueOptions {
  /** How many times a worker had started grading the submission (`Submission.attempts`). */
  attempts: number;
  /** How long to wait for Redis before giving up. @defaultValue 2000 (ms) */
  timeoutMs?: number;
}

/**
 * Queues one grading job (validated first). Idempotent per (submission, attempts).
 * Throws `QUEUE_UNAVAILABLE` (platform) when Redis does not answer in time: the caller
 * keeps the submission `queued` and the reconciler enqueues it later.
 */
export async function enqueueGrade(queue: GradingQueue, data: GradeJobData, options: EnqueueOptions): Promise<{ jobId: string }> {
  const job = parseGradeJobData(data);
  const jobId = gradeJobId(job.submissionId, options.attempts);
  const timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
  try {
    await waitForRedis(queueRedis(queue), timeoutMs);
    await withRedisTimeout(addOrRevive(queue, job, jobId), timeoutMs, `queueing ${jobId}`);
  } catch (e) {
    throw new PlatformError(
      'QUEUE_UNAVAILABLE',
      `could not put submission ${job.submissionId} on the ${queue.name} queue: ${coerceError(e).message}`,
      { cause: e },
    );
  }
  return { jobId };
}

/**
 * Adds the job; when a job with this id already finished (it failed for good, or completed
 * without the store recording a result), the store still says the submission needs
 * grading, so the finished job is retried rather than left as a silent no-op.
 * A waiting or active job with this id is left alone: it already is this request.
 */
async function addOrRevive(queue: GradingQueue, data: GradeJobData, jobId: string): Promise<void> {
  const job = await queue.add(GRADE_JOB_NAME, data, { ...GRADE_JOB_OPTIONS, jobId });
  const state = await job.getState();
  if (state === 'failed' || state === 'completed') await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
}

/** A grading job's BullMQ state, or `missing` when Redis has no job of that id (any more). */
export type GradeJobState = 'missing' | 'waiting' | 'active' | 'delayed' | 'prioritized' | 'waiting-children' | 'completed' | 'failed';

/**
 * Looks a grading job up by id. Throws `QUEUE_UNAVAILABLE` (platform) when Redis does not
 * answer in time, so a caller never mistakes an outage for a lost job.
 */
export async function gradeJobState(queue: GradingQueue, jobId: string, timeoutMs = DEFAULT_REDIS_CONNECT_TIMEOUT_MS): Promise<GradeJobState> {
  try {
    await waitForRedis(queueRedis(queue), timeoutMs);
    return await withRedisTimeout(
      (async (): Promise<GradeJobState> => {
        const job = await queue.getJob(jobId);
        if (job === undefined) return 'missing';
        const state = await job.getState();
        // 'unknown': removed between the two calls.
        return state === 'unknown' ? 'missing' : state;
      })(),
      timeoutMs,
      `looking up ${jobId}`,
    );
  } catch (e) {
    throw new PlatformError('QUEUE_UNAVAILABLE', `could not look up job ${jobId} on the ${queue.name} queue: ${coerceError(e).message}`, { cause: e });
  }
}

/** The two grading queues over one shared fail-fast connection. */
export interface GradingQueues {
  readonly prefix: string;
  /** The shared connection; the API also reads worker heartbeats through it. */
  readonly redis: Redis;
  readonly cpu: GradingQueue;
  readonly gpu: GradingQueue;
  /** The queue for an assignment, by its `gpu` flag. */
  forAssignment(assignment: { gpu: boolean }): GradingQueue;
  all(): readonly GradingQueue[];
  /** Closes both queues and the connection. */
  close(): Promise<void>;
}

export interface GradingQueuesOptions {
  /** @defaultValue {@link DEFAULT_QUEUE_PREFIX} */
  prefix?: string;
  /** @defaultValue 2000 (ms) */
  connectTimeoutMs?: number;
  logger?: Logger;
}

/**
 * Opens both grading queues. Returns at once, also when Redis is down: producers then
 * fail within `connectTimeoutMs` with `QUEUE_UNAVAILABLE`, and the connection keeps
 * retrying in the background.
 */
export function createGradingQueues(redisUrl: string, options: GradingQueuesOptions = {}): GradingQueues {
  const prefix = options.prefix ?? DEFAULT_QUEUE_PREFIX;
  const redis = createRedisConnection(redisUrl, { connectTimeoutMs: options.connectTimeoutMs, logger: options.logger });
  const open = (name: GradingQueueName): GradingQueue => {
    const queue: GradingQueue = new Queue<GradeJobData, GradeJobResult, GradeJobName>(name, { connection: redis, prefix });
    // The connection's own listener logs outages once; without a listener here an
    // 'error' event would be thrown by the EventEmitter and end the process.
    queue.on('error', (e) => options.logger?.debug({ queue: name, err: e.message }, 'queue connection error'));
    return queue;
  };
  const cpu = open(GRADING_QUEUE);
  const gpu = open(GPU_GRADING_QUEUE);
  options.logger?.debug({ redis: describeRedisUrl(redisUrl), prefix }, 'grading queues opened');
  return {
    prefix,
    redis,
    cpu,
    gpu,
    forAssignment: (assignment) => (assignment.gpu ? gpu : cpu),
    all: () => [cpu, gpu],
    async close() {
      // Queue.close waits for the connection to be ready; with Redis down it would never return.
      if (redis.status === 'ready') await Promise.all([cpu.close(), gpu.close()]);
      redis.disconnect();
    },
  };
}

/** Jobs per state, for /metrics and `status`. */
export type QueueDepth = Record<'waiting' | 'active' | 'delayed' | 'prioritized' | 'failed' | 'completed', number>;

export async function queueDepth(queue: GradingQueue, timeoutMs = DEFAULT_REDIS_CONNECT_TIMEOUT_MS): Promise<QueueDepth> {
  await waitForRedis(queueRedis(queue), timeoutMs);
  const counts = await withRedisTimeout(
    queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'),
    timeoutMs,
    `counting jobs of ${queue.name}`,
  );
  return {
    waiting: counts.waiting ?? 0,
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    prioritized: counts.prioritized ?? 0,
    failed: counts.failed ?? 0,
    completed: counts.completed ?? 0,
  };
}

/** The ioredis client a queue was given (ours are always built with one). */
function queueRedis(queue: GradingQueue): Redis {
  const connection = queue.opts.connection as unknown;
  if (connection && typeof (connection as Redis).status === 'string') return connection as Redis;
  throw new UsageError('BAD_QUEUE', `queue ${queue.name} was not opened by createGradingQueues (it has no shared ioredis connection)`);
}
