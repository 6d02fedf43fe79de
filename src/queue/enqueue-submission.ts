/**
 * The one way a stored submission gets onto its queue, shared by the upload route,
 * regrades and the reconciler: enqueue (idempotent per attempt), then record that the
 * queue has it, so the reconciler stops trying.
 */
import type { GradingQueues } from './grading.js';
import { enqueueGrade } from './grading.js';

/** What enqueueing needs of a stored submission (`Submission` from src/store fits). */
export interface QueueableSubmission {
  id: string;
  assignmentId: string;
  /** How many times a worker started grading it; part of the job id. */
  attempts: number;
}

/** The store call that confirms a job is on the queue. */
export interface EnqueueConfirmation {
  markEnqueued(submissionId: string): Promise<unknown>;
}

export async function enqueueSubmission(
  queues: GradingQueues,
  store: EnqueueConfirmation,
  submission: QueueableSubmission,
  assignment: { gpu: boolean },
): Promise<{ jobId: string; queue: string }> {
  const queue = queues.forAssignment(assignment);
  const { jobId } = await enqueueGrade(
    queue,
    { v: 1, submissionId: submission.id, assignmentId: submission.assignmentId },
    { attempts: submission.attempts },
  );
  // If this fails the job is queued anyway; the reconciler's repeat enqueue is a no-op
  // (same job id) and confirms it then.
  await store.markEnqueued(submission.id);
  return { jobId, queue: queue.name };
}
