/**
 * How a class did on one assignment, from each student's latest submission: one row per
 * student, the scores for the histogram, each check's pass rate and each course
 * objective's mean share. Pure: the page loads the rows, this computes.
 */
import type { AssignmentDefinition } from '../grading/assignment.js';
import type { Submission, StoredResult, User } from '../store/rows.js';
import { daysLate } from '../api/deadlines.js';

export interface StudentRow {
  userId: string;
  studentName: string;
  studentId: string | null;
  latest: Submission;
  result: StoredResult | undefined;
  /** Uploads this student made for the assignment. */
  attempts: number;
  daysLate: number;
}

export interface CheckRate {
  id: string;
  title: string;
  maxPoints: number;
  /** Graded latest submissions that have this check. */
  graded: number;
  passed: number;
  meanPoints: number;
}

export interface ObjectiveSummary {
  id: string;
  /** Mean over graded students of points / maxPoints for the objective's checks. */
  meanShare: number;
  students: number;
}

export interface ClassSummary {
  rows: StudentRow[];
  scores: Array<{ score: number; maxScore: number }>;
  checks: CheckRate[];
  objectives: ObjectiveSummary[];
}

export function summariseClass(
  definition: AssignmentDefinition,
  dueAt: Date | null,
  listed: ReadonlyArray<{ submission: Submission; result: StoredResult | undefined }>,
  users: ReadonlyMap<string, User | undefined>,
): ClassSummary {
  // `listed` is newest first, so the first seen per student is their latest.
  const byStudent = new Map<string, StudentRow>();
  for (const { submission, result } of listed) {
    const row = byStudent.get(submission.userId);
    if (row !== undefined) {
      row.attempts += 1;
      continue;
    }
    const user = users.get(submission.userId);
    byStudent.set(submission.userId, {
      userId: submission.userId,
      studentName: user?.name ?? '(deleted user)',
      studentId: user?.studentId ?? null,
      latest: submission,
      result,
      attempts: 1,
      daysLate: daysLate(submission.createdAt, dueAt),
    });
  }
  const rows = [...byStudent.values()].sort((a, b) => a.studentName.localeCompare(b.studentName));
  const graded = rows.map((r) => r.result).filter((r): r is StoredResult => r !== undefined);

  const checks: CheckRate[] = definition.checks.map((c) => {
    const results = graded.map((r) => r.report.checks.find((x) => x.id === c.id)).filter((x) => x !== undefined);
    return {
      id: c.id,
      title: c.title,
      maxPoints: c.maxPoints,
      graded: results.length,
      passed: results.filter((x) => x.status === 'passed').length,
      meanPoints: results.length === 0 ? 0 : results.reduce((s, x) => s + x.points, 0) / results.length,
    };
  });

  const objectiveIds = [...new Set(definition.checks.flatMap((c) => c.objectives))].sort();
  const objectives = objectiveIds.map((id) => {
    const shares = graded
      .map((r) => {
        const mine = r.report.checks.filter((c) => c.objectives.includes(id));
        const max = mine.reduce((s, c) => s + c.maxPoints, 0);
        return max > 0 ? mine.reduce((s, c) => s + c.points, 0) / max : undefined;
      })
      .filter((x): x is number => x !== undefined);
    return { id, students: shares.length, meanShare: shares.length === 0 ? 0 : shares.reduce((s, x) => s + x, 0) / shares.length };
  });

  return { rows, scores: graded.map((r) => ({ score: r.score, maxScore: r.maxScore })), checks, objectives };
}
