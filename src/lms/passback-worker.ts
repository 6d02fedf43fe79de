/**
 * Score passback, consumer side: a BullMQ worker on `lms-passback` that sends each
 * pending delivery (LTI AGS or the signed webhook), logs every attempt, and lets BullMQ
 * retry with exponential backoff on 429, 5xx and network errors. Other 4xx answers are
 * recorded as failed for good. A sweep re-queues deliveries left pending without a job
 * (Redis was down when the result was recorded, or lost the job).
 *
 * It runs beside the API (it needs the store), never in a grading worker.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Delivery, IntegrationRow, LmsRepository, LmsSubmission } from '../store/lms-repository.js';
import type { StoredResult } from '../store/rows.js';
import { AgsClient, type AgsScore } from './ags-client.js';
import { DeliveryError } from './delivery-error.js';
import { integrationSecret } from './integrations.js';
import {
  DEFAULT_PASSBACK_RETRY,
  PASSBACK_QUEUE,
  PassbackJobDataSchema,
  enqueueDelivery,
  type PassbackJobData,
  type PassbackQueue,
  type PassbackRetry,
} from './passback.js';
import { postScoreWebhook, type ScoreWebhookBody } from './score-webhook.js';
import type { SecretBox } from './secret-box.js';
import type { SigningKeys } from './signing-keys.js';

/** The store calls a delivery needs (`Store` fits). */
export interface ResultSource {
  listResults(submissionId: string): Promise<StoredResult[]>;
}

export interface PassbackWorkerOptions {
  redisUrl: string;
  prefix: string;
  repo: LmsRepository;
  results: ResultSource;
  box: SecretBox;
  keys: SigningKeys;
  /** The queue the sweep re-queues on (the API's). */
  queue: PassbackQueue;
  /** Where reports are linked from (`<publicUrl>/api/submissions/<id>`). */
  publicUrl: string;
  logger: Logger;
  retry?: PassbackRetry;
  /** @defaultValue 4 */
  concurrency?: number;
  /** @defaultValue 60000 (ms) */
  sweepIntervalMs?: number;
  /** A pending delivery unchanged this long without a job is queued again. @defaultValue 5 min */
  sweepAfterMs?: number;
  /** Per HTTP request. @defaultValue 10000 (ms) */
  httpTimeoutMs?: number;
}

export interface RunningPassbackWorker {
  /** Re-queues pending deliveries now; answers how many. */
  sweep(olderThan?: Date): Promise<number>;
  close(): Promise<void>;
}

export function startPassbackWorker(options: PassbackWorkerOptions): RunningPassbackWorker {
  const { logger, repo } = options;
  const retry = options.retry ?? DEFAULT_PASSBACK_RETRY;
  const ags = new AgsClient({ keys: options.keys, timeoutMs: options.httpTimeoutMs });
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', (e) => logger.debug({ err: e.message }, 'passback worker Redis error'));

  const worker = new Worker<PassbackJobData, void, string>(
    PASSBACK_QUEUE,
    async (job) => processDelivery(job, { ...options, ags, retry }),
    { connection, prefix: options.prefix, concurrency: options.concurrency ?? 4 },
  );
  worker.on('error', (e) => logger.warn({ err: coerceError(e).message }, 'passback worker error'));

  const sweep = async (olderThan = new Date(Date.now() - (options.sweepAfterMs ?? 5 * 60_000))): Promise<number> => {
    const pending = await repo.pendingDeliveries(olderThan);
    for (const d of pending) await enqueueDelivery(options.queue, d.id, retry);
    return pending.length;
  };
  const timer = setInterval(() => {
    sweep().catch((e: unknown) => logger.warn({ err: coerceError(e).message }, 'passback sweep failed; it runs again later'));
  }, options.sweepIntervalMs ?? 60_000);
  timer.unref();

  return {
    sweep,
    async close() {
      clearInterval(timer);
      await worker.close();
      connection.disconnect();
    },
  };
}

type DeliveryContext = PassbackWorkerOptions & { ags: AgsClient; retry: PassbackRetry };

async function processDelivery(job: Job<PassbackJobData, void, string>, ctx: DeliveryContext): Promise<void> {
  const parsed = PassbackJobDataSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`not a v1 passback job: ${JSON.stringify(job.data)?.slice(0, 200)}`);
  const delivery = await ctx.repo.getDelivery(parsed.data.deliveryId);
  // Delivered or failed already: this job is a repeat, and sending again would deliver twice.
  if (delivery === undefined || delivery.status !== 'pending') return;

  const finalTry = job.attemptsMade + 1 >= (job.opts.attempts ?? ctx.retry.attempts);
  const giveUp = async (detail: string, httpStatus: number | null) => {
    await ctx.repo.recordAttempt(delivery.id, { outcome: 'failed', httpStatus, detail });
  };

  const origin = await ctx.repo.lmsSubmissionOf(delivery.submissionId);
  const integration = await ctx.repo.getIntegration(delivery.integrationId);
  const result = (await ctx.results.listResults(delivery.submissionId)).find((r) => r.id === delivery.resultId);
  if (origin === undefined || integration === undefined || result === undefined) {
    await giveUp('the submission, its result or its integration no longer exists', null);
    return;
  }
  if (!result.isCurrent) {
    await giveUp('superseded by a regrade before it was sent; the newer score is delivered instead', null);
    return;
  }

  try {
    const { httpStatus } = await send(delivery, origin, integration, result, ctx);
    await ctx.repo.recordAttempt(delivery.id, { outcome: 'delivered', httpStatus, detail: `delivered to ${delivery.target}` });
    ctx.logger.info({ deliveryId: delivery.id, submissionId: delivery.submissionId, channel: delivery.channel }, 'score delivered');
  } catch (e) {
    const error = e instanceof DeliveryError ? e : new DeliveryError(coerceError(e).message, false, null, { cause: e });
    if (!error.retryable) {
      await giveUp(error.message, error.httpStatus);
      throw new UnrecoverableError(error.message);
    }
    await ctx.repo.recordAttempt(delivery.id, {
      outcome: finalTry ? 'failed' : 'retry',
      httpStatus: error.httpStatus,
      detail: finalTry ? `${error.message}; gave up after ${job.attemptsMade + 1} tries` : error.message,
    });
    throw error;
  }
}

async function send(delivery: Delivery, origin: LmsSubmission, integration: IntegrationRow, result: StoredResult, ctx: DeliveryContext): Promise<{ httpStatus: number }> {
  const reportUrl = `${ctx.publicUrl.replace(/\/+$/, '')}/api/submissions/${delivery.submissionId}`;
  if (delivery.channel === 'ags') {
    if (integration.lti === null) throw new DeliveryError(`integration ${integration.name} no longer has LTI settings`, false, null);
    return ctx.ags.postScore(integration.lti, delivery.target, agsScore(result, origin.lmsUserId, delivery.scoreTimestamp, reportUrl));
  }
  const body: ScoreWebhookBody = {
    integration: integration.id,
    lmsUserId: origin.lmsUserId,
    lmsSubmissionId: origin.lmsSubmissionId,
    submissionId: delivery.submissionId,
    assignmentId: result.report.assignment.id,
    score: result.report.gradable ? result.score : null,
    maxScore: result.maxScore,
    status: result.report.gradable ? 'graded' : 'not_gradable',
    errors: result.report.gradable ? [] : result.report.errors,
    reportUrl,
    resultId: result.id,
    gradedAt: delivery.scoreTimestamp.toISOString(),
  };
  return postScoreWebhook(delivery.target, integrationSecret(ctx.box, integration), body, delivery.id, { timeoutMs: ctx.httpTimeoutMs });
}

/** A Score for AGS. Not gradable: no score at all (never a 0), gradingProgress Failed and why. */
export function agsScore(result: StoredResult, lmsUserId: string, timestamp: Date, reportUrl: string): AgsScore {
  const base = { userId: lmsUserId, timestamp: timestamp.toISOString(), activityProgress: 'Completed' as const };
  if (!result.report.gradable) {
    const why = result.report.errors[0] ?? 'the upload could not be read as a notebook';
    return { ...base, gradingProgress: 'Failed', comment: `Not graded: ${why}`.slice(0, 1000) };
  }
  return {
    ...base,
    scoreGiven: result.score,
    scoreMaximum: result.maxScore,
    gradingProgress: 'FullyGraded',
    comment: `Autograder: ${result.score} / ${result.maxScore}. Report: ${reportUrl}`.slice(0, 1000),
  };
}
