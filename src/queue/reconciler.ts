/**
 * The reconciler: submissions the store holds as `queued` but never confirmed on a queue
 * (accepted while Redis was down, or the API stopped between storing and enqueueing)
 * are put on their queue. Enqueueing is idempotent per attempt (see grading.ts), so
 * running it twice, or beside the API's own enqueue, queues nothing twice.
 */
import { coerceError, isAutograderError } from '../errors.js';
import type { Logger } from '../logger.js';
import { enqueueSubmission, type QueueableSubmission } from './enqueue-submission.js';
import type { GradingQueues } from './grading.js';

/** The store calls the reconciler makes (`Store` from src/store fits). */
export interface ReconcilerStore {
  submissionsToEnqueue(olderThan: Date, limit?: number): Promise<QueueableSubmission[]>;
  markEnqueued(submissionId: string): Promise<unknown>;
  markFailed(submissionId: string, message: string): Promise<unknown>;
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
  /** Submissions looked at per pass. @defaultValue 100 */
  batchSize?: number;
  /** @defaultValue () => new Date() */
  now?: () => Date;
}

export interface ReconcileReport {
  /** Submissions now confirmed on their queue. */
  enqueued: string[];
  /** Submissions marked failed because this deployment has no such assignment any more. */
  unknownAssignment: string[];
}

export const DEFAULT_RECONCILE_GRACE_MS = 10_000;
export const DEFAULT_RECONCILE_INTERVAL_MS = 30_000;

/**
 * One pass. Throws (a `QUEUE_UNAVAILABLE` or database PlatformError) on the first
 * submission it cannot enqueue: with Redis down the rest would fail the same way, and
 * the next pass picks them all up again.
 */
export async function reconcileOnce(options: ReconcilerOptions): Promise<ReconcileReport> {
  const now = options.now ?? (() => new Date());
  const olderThan = new Date(now().getTime() - (options.graceMs ?? DEFAULT_RECONCILE_GRACE_MS));
  const gpuOf = new Map(options.assignments.map((a) => [a.id, a.gpu]));
  const report: ReconcileReport = { enqueued: [], unknownAssignment: [] };
  const pending = await options.store.submissionsToEnqueue(olderThan, options.batchSize ?? 100);
  for (const submission of pending) {
    const gpu = gpuOf.get(submission.assignmentId);
    if (gpu === undefined) {
      await options.store.markFailed(
        submission.id,
        `assignment ${submission.assignmentId} is not installed on this server any more, so submission ${submission.id} cannot be graded; reinstall the grader and request a regrade`,
      );
      report.unknownAssignment.push(submission.id);
      continue;
    }
    await enqueueSubmission(options.queues, options.store, submission, { gpu });
    report.enqueued.push(submission.id);
  }
  if (report.enqueued.length > 0 || report.unknownAssignment.length > 0) {
    options.logger?.info(report, 'reconciler queued submissions the queue had not confirmed');
  }
  return report;
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
