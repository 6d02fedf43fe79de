/**
 * Score passback, producer side: its own BullMQ queue (`lms-passback`), and
 * `schedulePassback`, called where a result becomes current.
 *
 * Exactly once per change: a delivery row per (result, channel) is the idempotency key,
 * created once (unique index) before anything is queued; its job id is the delivery id,
 * so a repeated schedule adds nothing, and the processor sends only while the row is
 * `pending`. A regrade makes a new result, so a new delivery. When Redis is down the row
 * waits `pending` and the passback worker's sweep queues it later.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { waitForRedis, withRedisTimeout } from '../queue/connection.js';
import type { Delivery, DeliveryChannel, LmsRepository } from '../store/lms-repository.js';

export const PASSBACK_QUEUE = 'lms-passback';
export const PASSBACK_JOB_NAME = 'deliver';

export const PassbackJobDataSchema = z.object({ v: z.literal(1), deliveryId: z.string().min(1).max(200) });
export type PassbackJobData = z.infer<typeof PassbackJobDataSchema>;
export type PassbackQueue = Queue<PassbackJobData, void, typeof PASSBACK_JOB_NAME>;

export interface PassbackRetry {
  /** Tries in all. @defaultValue 12 */
  attempts: number;
  /** First retry after this; each next one waits twice as long. @defaultValue 5000 (ms): the last of 12 about 2.8 h after the first */
  backoffMs: number;
}
export const DEFAULT_PASSBACK_RETRY: PassbackRetry = { attempts: 12, backoffMs: 5000 };

export function passbackJobOptions(retry: PassbackRetry = DEFAULT_PASSBACK_RETRY): JobsOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
    removeOnFail: { age: 30 * 24 * 3600, count: 10_000 },
  };
}

export function createPassbackQueue(connection: Redis, prefix: string, logger?: Logger): PassbackQueue {
  const queue: PassbackQueue = new Queue<PassbackJobData, void, typeof PASSBACK_JOB_NAME>(PASSBACK_QUEUE, { connection, prefix });
  queue.on('error', (e) => logger?.debug({ queue: PASSBACK_QUEUE, err: e.message }, 'passback queue connection error'));
  return queue;
}

/** Queues one delivery; idempotent (job id = delivery id). Throws when Redis does not answer within `timeoutMs`. */
export async function enqueueDelivery(queue: PassbackQueue, deliveryId: string, retry?: PassbackRetry, timeoutMs = 2000): Promise<void> {
  const data = PassbackJobDataSchema.parse({ v: 1, deliveryId });
  await waitForRedis(queue.opts.connection as Redis, timeoutMs);
  await withRedisTimeout(queue.add(PASSBACK_JOB_NAME, data, { ...passbackJobOptions(retry), jobId: deliveryId }), timeoutMs, `queueing delivery ${deliveryId}`);
}

export interface PassbackScheduler {
  repo: LmsRepository;
  queue: PassbackQueue;
  logger: Logger;
  retry?: PassbackRetry;
}

/**
 * Creates the deliveries of a result that just became current (one per channel the
 * submission's integration has) and queues them. Nothing for a submission no LMS sent.
 * A delivery that can never be sent (LTI without a line item for it) is stored as failed
 * with the reason, so the instructor sees why no score went back.
 */
export async function schedulePassback(
  scheduler: PassbackScheduler,
  submission: { id: string; assignmentId: string },
  result: { id: string; createdAt: Date },
): Promise<Delivery[]> {
  const { repo } = scheduler;
  const origin = await repo.lmsSubmissionOf(submission.id);
  if (origin === undefined) return [];
  const integration = await repo.getIntegration(origin.integrationId);
  if (integration === undefined) return [];

  const planned: Array<{ channel: DeliveryChannel; target: string; problem?: string }> = [];
  if (integration.lti !== null) {
    const lineItem = origin.lineItem ?? integration.lti.lineItems[submission.assignmentId];
    planned.push(
      lineItem === undefined
        ? { channel: 'ags', target: '', problem: `no line item: the webhook sent no "lineitem" and integration ${integration.name} has none configured for ${submission.assignmentId} (autograder lms add --lti-lineitem ${submission.assignmentId}=URL)` }
        : { channel: 'ags', target: lineItem },
    );
  }
  if (integration.scoreWebhook !== null) planned.push({ channel: 'webhook', target: integration.scoreWebhook });

  const deliveries: Delivery[] = [];
  for (const plan of planned) {
    // AGS ignores a score whose timestamp is not after the last one it has for the user and line item.
    const last = await repo.lastScoreTimestamp(integration.id, plan.channel, plan.target, origin.lmsUserId);
    const scoreTimestamp = new Date(Math.max(result.createdAt.getTime(), (last?.getTime() ?? 0) + 1));
    const { delivery } = await repo.createDelivery({
      submissionId: submission.id,
      resultId: result.id,
      integrationId: integration.id,
      channel: plan.channel,
      target: plan.target,
      status: plan.problem === undefined ? 'pending' : 'failed',
      scoreTimestamp,
      lastError: plan.problem,
    });
    deliveries.push(delivery);
    if (delivery.status !== 'pending') continue;
    try {
      await enqueueDelivery(scheduler.queue, delivery.id, scheduler.retry);
    } catch (e) {
      scheduler.logger.warn(
        { deliveryId: delivery.id, submissionId: submission.id, err: coerceError(e).message },
        'score delivery stored but not queued; the passback sweep queues it once Redis is back',
      );
    }
  }
  return deliveries;
}
