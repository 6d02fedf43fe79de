/**
 * Assignments: the catalogue for everyone, and for instructors the submission table
 * (JSON or CSV) and the policy (due date, late policy, hourly limit).
 */
import { Router, json, type Request, type Response } from 'express';
import type { AssignmentDefinition } from '../../grading/assignment.js';
import type { Assignment, Submission, StoredResult, User } from '../../store/rows.js';
import { READER_ROLES, STAFF_ROLES, currentUser, isStaff, requireRole } from '../auth.js';
import { maxScoreOf as maxScoreOfChecks } from '../../grading/score.js';
import { maxScoreOf } from '../catalogue.js';
import type { ApiContext } from '../context.js';
import { toCsv } from '../csv.js';
import { daysLate } from '../deadlines.js';
import { isVisibleToStudent } from '../report-view.js';
import {
  AssignmentParamsSchema,
  PolicyBodySchema,
  SubmissionListQuerySchema,
  type AssignmentView,
  type SubmissionRowView,
} from '../schemas.js';
import { parseRequest } from '../validate.js';

export function assignmentRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/api/assignments', requireRole(ctx.store, READER_ROLES), async (_req: Request, res: Response) => {
    const viewer = currentUser(res);
    const assignments: AssignmentView[] = [];
    for (const definition of ctx.catalogue.definitions) {
      const { row } = await ctx.catalogue.get(definition.id);
      assignments.push(assignmentView(definition, row, viewer, ctx.now()));
    }
    res.json({ assignments });
  });

  router.get('/api/assignments/:id/submissions', requireRole(ctx.store, STAFF_ROLES), async (req: Request, res: Response) => {
    const { params, query } = parseRequest(req, { params: AssignmentParamsSchema, query: SubmissionListQuerySchema });
    const { row } = await ctx.catalogue.get(params.id);
    const listed = await ctx.store.listSubmissionsWithResults(row.id);
    const rows = await submissionRows(
      ctx,
      row,
      listed.filter((l) => query.status === undefined || l.submission.status === query.status),
    );
    if (query.format === 'csv') {
      res
        .type('text/csv; charset=utf-8')
        .attachment(`${row.id}-submissions.csv`)
        .send(
          toCsv(rows, [
            ['submission_id', (r) => r.id],
            ['student_id', (r) => r.studentId],
            ['student_name', (r) => r.studentName],
            ['user_id', (r) => r.userId],
            ['status', (r) => r.status],
            ['score', (r) => r.score],
            ['max_score', (r) => r.maxScore],
            ['days_late', (r) => r.daysLate],
            ['attempts', (r) => r.attempts],
            ['file_name', (r) => r.fileName],
            ['submitted_at', (r) => r.createdAt],
            ['graded_at', (r) => r.gradedAt],
          ]),
        );
      return;
    }
    res.json({ assignmentId: row.id, submissions: rows });
  });

  router.put(
    '/api/assignments/:id/policy',
    requireRole(ctx.store, STAFF_ROLES),
    json({ limit: '16kb' }),
    async (req: Request, res: Response) => {
      const { params, body } = parseRequest(req, { params: AssignmentParamsSchema, body: PolicyBodySchema });
      const { definition, row } = await ctx.catalogue.get(params.id);
      const updated = await ctx.store.upsertAssignment({
        id: row.id,
        version: row.version,
        title: row.title,
        dueAt: body.dueAt === undefined ? row.dueAt : body.dueAt === null ? null : new Date(body.dueAt),
        latePolicy: body.latePolicy ?? row.latePolicy,
        maxSubmissionsPerHour: body.maxSubmissionsPerHour === undefined ? row.maxSubmissionsPerHour : body.maxSubmissionsPerHour,
      });
      ctx.logger.info({ assignmentId: row.id, by: currentUser(res).id, policy: body }, 'assignment policy changed');
      res.json(assignmentView(definition, updated, currentUser(res), ctx.now()));
    },
  );

  return router;
}

/** Students see the checks (and points) their reports will show; staff see all. */
function assignmentView(definition: AssignmentDefinition, row: Assignment, viewer: User, now: Date): AssignmentView {
  const checks = definition.checks
    .filter((c) => isStaff(viewer) || isVisibleToStudent(c.visibility, row.dueAt, now))
    .map((c) => ({ id: c.id, title: c.title, maxPoints: c.maxPoints, visibility: c.visibility, objectives: c.objectives }));
  return {
    id: definition.id,
    title: definition.title,
    maxScore: isStaff(viewer) ? maxScoreOf(definition) : maxScoreOfChecks(checks),
    checks,
    dueAt: row.dueAt?.toISOString() ?? null,
    latePolicy: row.latePolicy,
    maxSubmissionsPerHour: row.maxSubmissionsPerHour,
    gpu: definition.gpu,
  };
}

async function submissionRows(
  ctx: ApiContext,
  assignment: Assignment,
  listed: ReadonlyArray<{ submission: Submission; result: StoredResult | undefined }>,
): Promise<SubmissionRowView[]> {
  const users = new Map<string, User | undefined>();
  for (const { submission } of listed) {
    if (!users.has(submission.userId)) users.set(submission.userId, await ctx.store.getUser(submission.userId));
  }
  return listed.map(({ submission, result }) => {
    const user = users.get(submission.userId);
    return {
      id: submission.id,
      userId: submission.userId,
      studentId: user?.studentId ?? null,
      studentName: user?.name ?? '(deleted user)',
      status: submission.status,
      attempts: submission.attempts,
      fileName: submission.fileName,
      createdAt: submission.createdAt.toISOString(),
      score: result?.score ?? null,
      maxScore: result?.maxScore ?? null,
      daysLate: daysLate(submission.createdAt, assignment.dueAt),
      gradedAt: result?.createdAt.toISOString() ?? null,
    };
  });
}
