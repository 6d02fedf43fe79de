/**
 * What the store hands back: every row read from SQL is parsed by one of these schemas,
 * which also turn snake_case columns into the camelCase objects callers use.
 *
 * The schemas absorb the differences between the dialects so callers never see them:
 * PostgreSQL returns `timestamptz` as Date, `jsonb` parsed, `boolean` as boolean and
 * `bigint` as string; SQLite returns ISO text, JSON text, 0/1 and numbers.
 */
import { z } from 'zod';
import { GradeReportSchema } from '../grading/report.js';

export const RoleSchema = z.enum(['student', 'instructor', 'lms', 'worker', 'admin']);
export type Role = z.infer<typeof RoleSchema>;

export const SubmissionStatusSchema = z.enum(['queued', 'running', 'graded', 'failed']);
export type SubmissionStatus = z.infer<typeof SubmissionStatusSchema>;

/** Where a submission came from. */
export const SubmissionSourceSchema = z.enum(['upload', 'lms', 'cli', 'import']);
export type SubmissionSource = z.infer<typeof SubmissionSourceSchema>;

/**
 * What happens to a submission after `dueAt`.
 * - `accept`: graded as usual.
 * - `reject`: refused.
 * - `penalty`: the score loses `percentPerDay` for every started day late; refused after `maxDaysLate` days.
 */
export const LatePolicySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('accept') }),
  z.object({ kind: z.literal('reject') }),
  z.object({
    kind: z.literal('penalty'),
    percentPerDay: z.number().positive().max(100),
    maxDaysLate: z.number().int().positive(),
  }),
]);
export type LatePolicy = z.infer<typeof LatePolicySchema>;

const timestamp = z.coerce.date();
const nullableTimestamp = z.union([z.null(), z.coerce.date()]);
/** `bigint` columns come back from node-postgres as strings. */
const count = z.coerce.number().int().nonnegative();
const flag = z.union([z.boolean(), z.number()]).transform((v) => v === true || v === 1);
/** JSON columns: `jsonb` arrives parsed, SQLite `text` as a string. */
function json<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (typeof v === 'string' ? JSON.parse(v) : v), schema);
}

export const AssignmentRowSchema = z
  .object({
    id: z.string(),
    version: z.string(),
    title: z.string(),
    due_at: nullableTimestamp,
    late_policy: json(LatePolicySchema),
    max_submissions_per_hour: z.union([z.null(), count]),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .transform((r) => ({
    id: r.id,
    version: r.version,
    title: r.title,
    dueAt: r.due_at,
    latePolicy: r.late_policy,
    /** Null: no limit. */
    maxSubmissionsPerHour: r.max_submissions_per_hour,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
export type Assignment = z.output<typeof AssignmentRowSchema>;

export const UserRowSchema = z
  .object({
    id: z.string(),
    role: RoleSchema,
    name: z.string(),
    student_id: z.string().nullable(),
    created_at: timestamp,
  })
  .transform((r) => ({ id: r.id, role: r.role, name: r.name, studentId: r.student_id, createdAt: r.created_at }));
export type User = z.output<typeof UserRowSchema>;

export const SubmissionRowSchema = z
  .object({
    id: z.string(),
    assignment_id: z.string(),
    user_id: z.string(),
    file_name: z.string(),
    blob_hash: z.string(),
    status: SubmissionStatusSchema,
    attempts: count,
    source: SubmissionSourceSchema,
    created_at: timestamp,
    updated_at: timestamp,
    enqueued_at: nullableTimestamp,
    error_message: z.string().nullable(),
  })
  .transform((r) => ({
    id: r.id,
    assignmentId: r.assignment_id,
    userId: r.user_id,
    fileName: r.file_name,
    blobHash: r.blob_hash,
    status: r.status,
    /** How many times a worker started grading it. */
    attempts: r.attempts,
    source: r.source,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    /** When the grading job was confirmed on the queue; null: not yet (the reconciler will). */
    enqueuedAt: r.enqueued_at,
    errorMessage: r.error_message,
  }));
export type Submission = z.output<typeof SubmissionRowSchema>;

export const ResultRowSchema = z
  .object({
    id: z.string(),
    submission_id: z.string(),
    report: json(GradeReportSchema),
    score: z.coerce.number(),
    max_score: z.coerce.number(),
    grader_version: z.string(),
    is_current: flag,
    created_at: timestamp,
  })
  .transform((r) => ({
    id: r.id,
    submissionId: r.submission_id,
    report: r.report,
    score: r.score,
    maxScore: r.max_score,
    graderVersion: r.grader_version,
    isCurrent: r.is_current,
    createdAt: r.created_at,
  }));
export type StoredResult = z.output<typeof ResultRowSchema>;

export const CountRowSchema = z.object({ n: count });
