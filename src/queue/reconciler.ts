/**
 * The reconciler: submissions the store holds as `queued` but never confirmed on a queue
 * (accepted while Redis was down, or the API stopped between storing and enqueueing)
 * are put on their queue. Enqueueing is idempotent per attempt (see grading.ts), so
 * running it twice, or beside the API's own enqueue, queues nothing twice.
 *
 * It also recovers jobs lost after they were confirmed: Redis restarted without
 * persistence, flushed or evicted them, or a job failed for good without the API being
 * told. A `queued` or `running` submission unchanged for longer than `recoverAfterMs`
 * whose job is missing or `failed` is requeued as a regrade would be. A waiting,
 * delayed, active or completed job is left alone: it is still this request.
 */
import { coerceError, isAutograderError } from '../errors.js';
import type { Logger } from '../logger.js';
import { enqueueSubmission, type QueueableSubmission } from './enqueue-submission.js';
import { gradeJobId, gradeJobState, type GradeJobState, type GradingQueue, type GradingQueues } from './grading.js';

/** The store calls the reconciler makes (`Store` from src/store fits). */
export interface ReconcilerStore {
  submissionsToEnqueue(olderThan: Date, limit?: number): Promise<QueueableSubmission[]>;
  submissionsInFlight(olderThan: Date, limit?: number, after?: { updatedAt: Date; id: string }): Promise<InFlightSubmission[]>;
  markEnqueued(submissionId: string): Promise<unknown>;
  markFailed(submissionId: string, message: string): Promise<unknown>;
  /** Back to `queued`, not yet enqueued, `updated_at` now (what a regrade does first). */
  requeueSubmission(submissionId: string): Promise<QueueableSubmission>;
}

/** What recovery needs of a submission the queue should have a job for. */
export interface InFlightSubmission extends QueueableSubmission {
  status: string;
  updatedAt: Date;
}

export interface ReconcilerOptions {
  store: ReconcilerStore;
  queues: GradingQueues;
  /** The assignments this deployment grades; their `gpu` flag picks the queue. */
  assignments: ReadonlyArray<{ id: string; gpu: boolean }>;
  logger?: Logger;
  /**
   * Leave submissions younger than this alone: the API is still enqueueing them itself.
   * @defaultValue 10 000 (ms)
   */
  graceMs?: number;
  /**
   * Look for a lost job only once a `queued` (confirmed) or `running` submission has not
   * changed for this long. Longer than a job's lock and stall window (BullMQ's 30 s lock,
   * 30 s stall check), so a job whose worker just died is back in `waiting` before then.
   * @defaultValue {@link DEFAULT_RECOVER_AFTER_MS} (5 minutes)
   */
  recoverAfterMs?: number;
  /**
   * A submission whose job keeps getting lost (a notebook that takes its worker down
   * every time) is marked failed instead of recovered once it has had this many attempts.
   * @defaultValue {@link DEFAULT_MAX_ATTEMPTS_RECOVERED}
   */
  maxAttempts?: number;
  /** Submissions read from the store per query. @defaultValue 100 */
  batchSize?: number;
  /** @defaultValue () => new Date() */
  now?: () => Date;
}

export interface ReconcileReport {
  /** Submissions now confirmed on their queue. */
  enqueued: string[];
  /** Submissions marked failed because this deployment has no such assignment any more. */
  unknownAssignment: string[];
  /** Submissions whose confirmed job was missing from Redis or failed for good, now queued again. */
  recovered: string[];
  /** Submissions whose job was lost again after maxAttempts attempts, now marked failed. */
  exhausted: string[];
}

export const DEFAULT_RECONCILE_GRACE_MS = 10_000;
export const DEFAULT_RECOVER_AFTER_MS = 5 * 60_000;
export const DEFAULT_RECONCILE_INTERVAL_MS = 30_000;
export const DEFAULT_MAX_ATTEMPTS_RECOVERED = 8;

/**
 * One pass. Throws (a `QUEUE_UNAVAILABLE` or database PlatformError) on the first
 * submission it cannot enqueue: with Redis down the rest would fail the same way, and
 * the next pass picks them all up again.
 */
export async function reconcileOnce(options: ReconcilerOptions): Promise<ReconcileReport> {
  const now = options.now ?? (() => new Date());
  const olderThan = new Date(now().getTime() - (options.graceMs ?? DEFAULT_RECONCILE_GRACE_MS));
  const gpuOf = new Map(options.assignments.map((a) => [a.id, a.gpu]));
  const report: ReconcileReport = { enqueued: [], unknownAssignment: [], recovered: [], exhausted: [] };
  const failUnknown = async (submission: QueueableSubmission) => {
    await options.store.markFailed(
      submission.id,
      `assignment ${submission.assignmentId} is not installed on this server any more, so submission ${submission.id} cannot be graded; reinstall the grader and request a regrade`,
    );
    report.unknownAssignment.push(submission.id);
  };
  const pending = await options.store.submissionsToEnqueue(olderThan, options.batchSize ?? 100);
  for (const submission of pending) {
    const gpu = gpuOf.get(submission.assignmentId);
    if (gpu === undefined) {
      await failUnknown(submission);
      continue;
    }
    await enqueueSubmission(options.queues, options.store, submission, { gpu });
    report.enqueued.push(submission.id);
  }
  if (report.enqueued.length > 0 || report.unknownAssignment.length > 0) {
    options.logger?.info(report, 'reconciler queued submissions the queue had not confirmed');
  }

  const stuckSince = new Date(now().getTime() - (options.recoverAfterMs ?? DEFAULT_RECOVER_AFTER_MS));
  for await (const submission of inFlight(options.store, stuckSince, options.batchSize ?? 100)) {
    const gpu = gpuOf.get(submission.assignmentId);
    if (gpu === undefined) {
      await failUnknown(submission);
      continue;
    }
    const lost = await lostJob(options.queues.forAssignment({ gpu }), submission);
    if (lost === undefined) continue;
    if (submission.attempts >= (options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS_RECOVERED)) {
      await options.store.markFailed(
        submission.id,
        `grading stopped after ${submission.attempts} attempts: each one ended without a result (the notebook may crash or stall the grader); your instructor can look at it and request a regrade`,
      );
      report.exhausted.push(submission.id);
      options.logger?.error({ submissionId: submission.id, attempts: submission.attempts }, 'reconciler gave up on a submission whose job kept getting lost');
      continue;
    }
    // As a regrade: back to `queued` (its clock restarts, so the next pass waits again),
    // then the job for the current attempt count, which a worker has not started yet.
    const requeued = await options.store.requeueSubmission(submission.id);
    const { jobId } = await enqueueSubmission(options.queues, options.store, requeued, { gpu });
    report.recovered.push(submission.id);
    options.logger?.warn(
      { submissionId: submission.id, status: submission.status, lostJob: lost.jobId, lostState: lost.state, jobId },
      'reconciler re-queued a submission whose grading job Redis no longer had (or that failed without the API being told)',
    );
  }
  return report;
}

async function* inFlight(store: ReconcilerStore, olderThan: Date, batchSize: number): AsyncGenerator<InFlightSubmission> {
  let after: { updatedAt: Date; id: string } | undefined;
  for (;;) {
    const page = await store.submissionsInFlight(olderThan, batchSize, after);
    yield* page;
    if (page.length < batchSize) return;
    const last = page[page.length - 1]!;
    after = { updatedAt: last.updatedAt, id: last.id };
  }
}

/**
 * The job a submission's grading depends on, when that job is gone: undefined while one
 * is still waiting, active, delayed or completed (a completed job's result may still be
 * on its way to the API). A `queued` submission's job is the one for its current attempt
 * count; a `running` one was started by a job of an earlier count (each start counts one
 * more attempt, a retried job counts again), or a later pass may have queued one for the
 * current count, so every count up to the current one is looked at, newest first.
 * BullMQ's `failed` is final: a job with attempts left waits in `delayed` instead.
 */
async function lostJob(
  queue: GradingQueue,
  submission: InFlightSubmission,
): Promise<{ jobId: string; state: Extract<GradeJobState, 'missing' | 'failed'> } | undefined> {
  const lowest = submission.status === 'running' ? 0 : submission.attempts;
  const current = gradeJobId(submission.id, submission.attempts);
  let newestFailed: string | undefined;
  for (let attempts = submission.attempts; attempts >= lowest; attempts--) {
    const jobId = gradeJobId(submission.id, attempts);
    const state = await gradeJobState(queue, jobId);
    if (state === 'failed') newestFailed ??= jobId;
    else if (state !== 'missing') return undefined;
  }
  return newestFailed === undefined ? { jobId: current, state: 'missing' } : { jobId: newestFailed, state: 'failed' };
}

export interface RunningReconciler {
  /** Runs a pass now (after the one in progress, if any). */
  runNow(): Promise<ReconcileReport>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `reconcileOnce` now and then every `intervalMs`; passes never overlap. A failed
 * pass is logged and retried at the next tick. The timer does not keep the process alive.
 */
export function startReconciler(options: ReconcilerOptions & { intervalMs?: number }): RunningReconciler {
  const intervalMs = options.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();

  const pass = (): Promise<ReconcileReport> => {
    const run = current.then(() => reconcileOnce(options));
    current = run.catch(() => undefined /* reported by the caller of this pass */);
    return run;
  };
  const tick = () => {
    pass()
      .catch((e: unknown) => {
        const err = coerceError(e);
        options.logger?.warn({ err: err.message, code: isAutograderError(e) ? e.code : undefined }, 'reconciler pass failed; retrying at the next tick');
      })
      .finally(() => {
        if (!stopped) {
          timer = setTimeout(tick, intervalMs);
          timer.unref();
        }
      });
  };
  timer = setTimeout(tick, 0);
  timer.unref();

  return {
    runNow: pass,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
