/**
 * What a student may see of a report: checks with visibility `visible`, and `after_due`
 * ones once the due date has passed (with no due date set they stay hidden, since the
 * instructor meant them for after a deadline). Score, maximum and objectives are
 * recomputed over what is shown, so hidden checks leak neither feedback nor points.
 */
import type { CheckResult, GradeReport } from '../grading/report.js';
import { maxScoreOf, objectiveTotals, penalisedScore, totalPoints } from '../grading/score.js';

export function isVisibleToStudent(visibility: CheckResult['visibility'], dueAt: Date | null, now: Date): boolean {
  if (visibility === 'visible') return true;
  if (visibility === 'after_due') return dueAt !== null && now.getTime() >= dueAt.getTime();
  return false;
}

export function studentReport(report: GradeReport, dueAt: Date | null, now: Date): GradeReport {
  // Instructor-only text (exception messages on hidden inputs) never reaches a student.
  const checks = report.checks
    .filter((c) => isVisibleToStudent(c.visibility, dueAt, now))
    .map(({ instructorFeedback: _instructorOnly, ...check }) => check);
  const earned = totalPoints(checks);
  const maxScore = maxScoreOf(checks);
  const view: GradeReport = {
    ...report,
    checks,
    objectives: objectiveTotals(checks),
    // An ungradable report scores 0 whatever its checks say.
    score: report.gradable ? earned : 0,
    maxScore,
    // Instructor-only: platform problems the student was not charged for.
    warnings: undefined,
  };
  if (report.late !== undefined) {
    view.score = penalisedScore(view.score, report.late.penaltyPercent);
    view.late = { ...report.late, scoreBeforePenalty: report.gradable ? earned : 0 };
  }
  return view;
}
