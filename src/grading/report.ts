/**
 * The GradeReport (DESIGN.md section 6): one schema, versioned. `autograder grade --json`
 * prints exactly this; the API stores and serves it.
 */
import { z } from 'zod';

export const REPORT_SCHEMA_VERSION = 1;

export const CheckStatusSchema = z.enum(['passed', 'partial', 'failed']);
export type CheckStatus = z.infer<typeof CheckStatusSchema>;

export const VisibilitySchema = z.enum(['visible', 'hidden', 'after_due']);
export type Visibility = z.infer<typeof VisibilitySchema>;

export const CheckResultSchema = z.object({
  id: z.string(),
  title: z.string(),
  points: z.number().nonnegative(),
  maxPoints: z.number().nonnegative(),
  status: CheckStatusSchema,
  feedback: z.string(),
  /**
   * For instructors only (the student view drops it): the feedback with exception messages
   * a student must not see, since on hidden inputs they can print the inputs. Optional.
   */
  instructorFeedback: z.string().optional(),
  visibility: VisibilitySchema,
  /** Course objectives this check gives evidence for (e.g. `TM-Softmax`). */
  objectives: z.array(z.string()).default([]),
  /**
   * Indexes (0-based) of the notebook cells the feedback is about, when the check knows
   * them (placeholders, cells that failed to run); pages show the feedback beside them.
   * Optional, so reports written before it existed still parse.
   */
  cells: z.array(z.number().int().nonnegative()).optional(),
});
export type CheckResult = z.infer<typeof CheckResultSchema>;

export const ObjectiveSummarySchema = z.object({
  id: z.string(),
  points: z.number().nonnegative(),
  maxPoints: z.number().nonnegative(),
});

/**
 * Set by the service when a submission came in after its due date (absent otherwise):
 * `score` is then already reduced, and `message` says by how much and why.
 */
export const LatePenaltySchema = z.object({
  dueAt: z.iso.datetime(),
  submittedAt: z.iso.datetime(),
  /** Started days after the due date (1 minute late counts as 1 day). */
  daysLate: z.number().int().positive(),
  percentPerDay: z.number().nonnegative(),
  /** The share of the score taken off, capped at 100. */
  penaltyPercent: z.number().min(0).max(100),
  scoreBeforePenalty: z.number().nonnegative(),
  /** e.g. "Submitted 2 days late: −20% (10% per day)". */
  message: z.string(),
});
export type LatePenalty = z.infer<typeof LatePenaltySchema>;

export const GradeReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  assignment: z.object({ id: z.string(), version: z.string() }),
  submission: z.object({ id: z.string(), file: z.string() }),
  gradable: z.boolean(),
  score: z.number().nonnegative(),
  maxScore: z.number().nonnegative(),
  checks: z.array(CheckResultSchema),
  /** Points aggregated by course objective. */
  objectives: z.array(ObjectiveSummarySchema).default([]),
  errors: z.array(z.string()),
  /**
   * For the instructor, never shown to students: platform problems the student was not
   * charged for (the sandbox lacks a library the starter imports). Optional, so reports
   * written before it existed still parse.
   */
  warnings: z.array(z.string()).optional(),
  timings: z.object({ totalMs: z.number().nonnegative(), sandboxMs: z.number().nonnegative() }),
  environment: z.object({
    sandbox: z.enum(['docker', 'process', 'none']),
    tensorBackend: z.string(),
    graderVersion: z.string(),
  }),
  /** Optional, so reports written before it existed still parse. */
  late: LatePenaltySchema.optional(),
});
export type GradeReport = z.infer<typeof GradeReportSchema>;

export function statusFor(points: number, maxPoints: number): CheckStatus {
  if (maxPoints === 0 || points >= maxPoints - 1e-9) return 'passed';
  return points > 1e-9 ? 'partial' : 'failed';
}
