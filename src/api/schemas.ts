/**
 * The API's request and response shapes, one zod schema each. Routes parse requests
 * with them (validate.ts) and the OpenAPI document is generated from them (openapi.ts),
 * so the two cannot drift apart.
 */
import { z } from 'zod';
import { GradeReportSchema } from '../grading/report.js';
import { LatePolicySchema, SubmissionStatusSchema } from '../store/rows.js';

const IdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'an id: letters, digits, dot, dash, underscore');

// ---- requests ----

export const AssignmentParamsSchema = z.object({ id: IdSchema.describe('Assignment id, e.g. u05-softmax') });
export const SubmissionParamsSchema = z.object({ id: IdSchema.describe('Submission id') });

export const SubmissionListQuerySchema = z.object({
  /** @defaultValue json */
  format: z.enum(['json', 'csv']).default('json'),
  status: SubmissionStatusSchema.optional(),
});

export const PolicyBodySchema = z
  .object({
    /** ISO 8601 with a time zone; null removes the due date. */
    dueAt: z.iso.datetime({ offset: true }).nullable().optional(),
    latePolicy: LatePolicySchema.optional(),
    /** Null removes the limit. */
    maxSubmissionsPerHour: z.number().int().positive().max(10_000).nullable().optional(),
  })
  .strict()
  .describe('Fields left out keep their current value.');

// ---- responses ----

export const ErrorBodySchema = z
  .object({
    error: z.string().describe('A stable code, e.g. UNKNOWN_ASSIGNMENT'),
    detail: z.string().describe('What went wrong and what to do'),
  })
  .loose();

export const UploadAcceptedSchema = z.object({
  id: z.string(),
  status: SubmissionStatusSchema,
  /** False when Redis was down: the upload is stored and is queued automatically once Redis is back. */
  enqueued: z.boolean(),
  detail: z.string().optional(),
});

const CheckInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  maxPoints: z.number(),
  visibility: z.enum(['visible', 'hidden', 'after_due']),
  objectives: z.array(z.string()),
});

export const AssignmentViewSchema = z.object({
  id: z.string(),
  title: z.string(),
  maxScore: z.number(),
  checks: z.array(CheckInfoSchema),
  dueAt: z.string().nullable(),
  latePolicy: LatePolicySchema,
  maxSubmissionsPerHour: z.number().nullable(),
  gpu: z.boolean(),
});
export type AssignmentView = z.infer<typeof AssignmentViewSchema>;

export const AssignmentListSchema = z.object({ assignments: z.array(AssignmentViewSchema) });

export const SubmissionViewSchema = z.object({
  id: z.string(),
  status: SubmissionStatusSchema,
  assignmentId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  fileName: z.string(),
  attempts: z.number(),
  /** The current result; during a regrade the previous one stays until the new one is recorded. Null until graded. */
  report: GradeReportSchema.nullable(),
  /** Why grading failed, when status is `failed`. */
  error: z.string().nullable(),
});
export type SubmissionView = z.infer<typeof SubmissionViewSchema>;

export const SubmissionRowViewSchema = z.object({
  id: z.string(),
  userId: z.string(),
  studentId: z.string().nullable(),
  studentName: z.string(),
  status: SubmissionStatusSchema,
  attempts: z.number(),
  fileName: z.string(),
  createdAt: z.string(),
  score: z.number().nullable(),
  maxScore: z.number().nullable(),
  daysLate: z.number(),
  gradedAt: z.string().nullable(),
});
export type SubmissionRowView = z.infer<typeof SubmissionRowViewSchema>;

export const SubmissionListSchema = z.object({ assignmentId: z.string(), submissions: z.array(SubmissionRowViewSchema) });

export const RegradeAcceptedSchema = UploadAcceptedSchema;

// The worker/API wire contract lives in one module both sides parse with.
export {
  WorkerFailedBodySchema,
  WorkerFailedRecordedSchema,
  WorkerResultBodySchema,
  WorkerResultRecordedSchema,
  WorkerStartedBodySchema,
  WorkerStartedSchema,
  WorkerSubmissionSchema,
} from '../queue/worker-wire.js';

const ComponentSchema = z.object({ ok: z.boolean(), detail: z.string() });
export const HealthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  redis: ComponentSchema,
  store: ComponentSchema,
  workers: ComponentSchema.extend({
    live: z.array(
      z.object({ id: z.string(), sandbox: z.string(), sandboxOk: z.boolean(), gpu: z.boolean(), concurrency: z.number(), at: z.string() }),
    ),
  }),
});
export type Health = z.infer<typeof HealthSchema>;
