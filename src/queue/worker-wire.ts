/**
 * The worker/API wire contract: every body a worker sends to or receives from
 * `/api/worker/*`, one zod schema each. The API's routes and OpenAPI document and the
 * worker's client parse with these same schemas, so the two sides cannot drift apart.
 *
 * It imports nothing from the store (workers hold no database code or credentials).
 */
import { z } from 'zod';
import { GradeReportSchema } from '../grading/report.js';
import { UnpackLimitsSchema } from '../submission/limits.js';

/** Same values as the store's SubmissionStatusSchema (routes/worker.ts checks they agree). */
export const WireSubmissionStatusSchema = z.enum(['queued', 'running', 'graded', 'failed']);

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 as 64 lowercase hex digits');

/** GET /api/worker/submissions/:id: enough to grade the upload, nothing about its student. */
export const WorkerSubmissionSchema = z.object({
  id: z.string(),
  assignmentId: z.string(),
  fileName: z.string(),
  attempts: z.number().int().nonnegative(),
  status: WireSubmissionStatusSchema,
  size: z.number().int().nonnegative().describe('Bytes of the uploaded file; the download must have exactly this many'),
  sha256: Sha256Schema.describe('sha256 of the uploaded file; the download must hash to it'),
  limits: UnpackLimitsSchema.describe('The limits the API unpacked the upload with; the worker unpacks with the same'),
});
export type WorkerSubmission = z.infer<typeof WorkerSubmissionSchema>;

/** POST /started: no fields are needed. */
export const WorkerStartedBodySchema = z
  .object({})
  .loose()
  .optional()
  .describe('No fields are needed; the answer says which attempt this is.');

/** The answer to /started: this worker token now owns `attempt`. */
export const WorkerStartedSchema = z.object({
  id: z.string(),
  status: WireSubmissionStatusSchema,
  attempt: z.number().int().positive(),
});
export type WorkerStarted = z.infer<typeof WorkerStartedSchema>;

/** Which start of grading a result or failure belongs to (from the /started answer). */
const AttemptSchema = z
  .number()
  .int()
  .positive()
  .describe('The attempt number /started returned to this worker token; stale attempts and attempts another token started are refused');

/** POST /result. The API recomputes the score from the assignment's own checks and refuses a report that does not add up. */
export const WorkerResultBodySchema = z.object({
  report: GradeReportSchema,
  attempt: AttemptSchema,
});
export type WorkerResultBody = z.infer<typeof WorkerResultBodySchema>;

export const WorkerResultRecordedSchema = z.object({
  id: z.string(),
  status: WireSubmissionStatusSchema,
  resultId: z.string(),
  score: z.number(),
  maxScore: z.number(),
  /** False when this attempt's result was recorded before (a repeated request): nothing changed. */
  recorded: z.boolean(),
});
export type WorkerResultRecorded = z.infer<typeof WorkerResultRecordedSchema>;

/** POST /failed. Without `attempt` only when grading failed before /started answered. */
export const WorkerFailedBodySchema = z.object({
  message: z.string().trim().min(1).max(20_000),
  attempt: AttemptSchema.optional(),
});

export const WorkerFailedRecordedSchema = z.object({ id: z.string(), status: WireSubmissionStatusSchema });
export type WorkerFailedRecorded = z.infer<typeof WorkerFailedRecordedSchema>;

/** A refusal from the API: `{ error: CODE, detail }`. */
export const WireErrorBodySchema = z.object({ error: z.string(), detail: z.unknown().optional() });
