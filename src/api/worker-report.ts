/**
 * A worker's report is a claim, not a fact: the API accepts it only if it adds up
 * against the assignment's own checks, and stores the numbers it recomputed itself.
 * Refused (422, nothing stored): another assignment or submission, unknown, missing or
 * repeated check ids, a check whose maximum differs from the assignment's, points above
 * a maximum, a score or maxScore that is not the sum, a late penalty (only the API
 * applies those), or an ungradable report that carries points.
 */
import type { Check } from '../grading/assignment.js';
import { statusFor, type GradeReport } from '../grading/report.js';
import { maxScoreOf, objectiveTotals, sameScore, SCORE_EPSILON, totalPoints } from '../grading/score.js';
import { HttpError } from './http-error.js';

export interface ReportExpectations {
  assignmentId: string;
  submissionId: string;
  checks: readonly Pick<Check, 'id' | 'title' | 'maxPoints' | 'visibility' | 'objectives'>[];
}

/** The report as the API stores it (titles, visibility, objectives and totals from the assignment), or a 422. */
export function verifiedWorkerReport(report: GradeReport, expected: ReportExpectations): GradeReport {
  const refuse = (why: string) =>
    new HttpError(422, 'REPORT_REJECTED', `the report for submission ${expected.submissionId} was refused: ${why}; nothing was stored`);

  if (report.assignment.id !== expected.assignmentId) throw refuse(`it is for assignment ${report.assignment.id}, the submission is for ${expected.assignmentId}`);
  if (report.submission.id !== expected.submissionId) throw refuse(`it names submission ${report.submission.id}`);
  if (report.late !== undefined) throw refuse('it carries a late penalty, which only the API applies');

  const maxScore = maxScoreOf(expected.checks);
  if (!sameScore(report.maxScore, maxScore)) throw refuse(`its maxScore ${report.maxScore} is not the assignment's ${maxScore}`);

  if (!report.gradable) {
    if (report.checks.length > 0 || report.score !== 0) throw refuse('it is not gradable but carries checks or a score');
    return { ...report, maxScore, objectives: [] };
  }

  const byId = new Map(expected.checks.map((c) => [c.id, c]));
  const seen = new Set<string>();
  const checks = report.checks.map((claimed) => {
    const check = byId.get(claimed.id);
    if (check === undefined) throw refuse(`it has a check ${JSON.stringify(claimed.id)} the assignment does not have`);
    if (seen.has(claimed.id)) throw refuse(`it has check ${claimed.id} twice`);
    seen.add(claimed.id);
    if (!sameScore(claimed.maxPoints, check.maxPoints)) throw refuse(`check ${check.id} is worth ${check.maxPoints}, not ${claimed.maxPoints}`);
    if (!(claimed.points >= 0) || claimed.points > check.maxPoints + SCORE_EPSILON) {
      throw refuse(`check ${check.id} claims ${claimed.points} of its ${check.maxPoints} points`);
    }
    const points = Math.min(claimed.points, check.maxPoints);
    return {
      ...claimed,
      title: check.title,
      points,
      maxPoints: check.maxPoints,
      status: statusFor(points, check.maxPoints),
      visibility: check.visibility,
      objectives: [...check.objectives],
    };
  });
  const missing = expected.checks.filter((c) => !seen.has(c.id)).map((c) => c.id);
  if (missing.length > 0) throw refuse(`it lacks check(s) ${missing.join(', ')}`);

  const score = totalPoints(checks);
  if (!sameScore(report.score, score)) throw refuse(`its score ${report.score} is not the sum of its checks, ${score}`);
  return { ...report, checks, score, maxScore, objectives: objectiveTotals(checks) };
}
