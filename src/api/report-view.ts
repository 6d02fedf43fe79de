/**
 * What a student may see of a report: checks with visibility `visible`, and `after_due`
 * ones once the due date has passed (with no due date set they stay hidden, since the
 * instructor meant them for after a deadline). Score, maximum and objectives are
 * recomputed over what is shown, so hidden checks leak neither feedback nor points.
 */
import type { CheckResult, GradeReport } from '../grading/report.js';
import { penalised } from './deadlines.js';

export function isVisibleToStudent(visibility: CheckResult['visibility'], dueAt: Date | null, now: Date): boolean {
  if (visibility === 'visible') return true;
  if (visibility === 'after_due') return dueAt !== null && now.getTime() >= dueAt.getTime();
  return false;
}

export function studentReport(report: GradeReport, dueAt: Date | null, now: Date): GradeReport {
  const checks = report.checks.filter((c) => isVisibleToStudent(c.visibility, dueAt, now));
  const earned = round6(checks.reduce((sum, c) => sum + c.points, 0));
  const maxScore = round6(checks.reduce((sum, c) => sum + c.maxPoints, 0));
  const objectives = new Map<string, { id: string; points: number; maxPoints: number }>();
  for (const check of checks) {
    for (const id of check.objectives) {
      const o = objectives.get(id) ?? { id, points: 0, maxPoints: 0 };
      o.points = round6(o.points + check.points);
      o.maxPoints = round6(o.maxPoints + check.maxPoints);
      objectives.set(id, o);
    }
  }
  const view: GradeReport = {
    ...report,
    checks,
    objectives: [...objectives.values()].sort((a, b) => a.id.localeCompare(b.id)),
    // An ungradable report scores 0 whatever its checks say.
    score: report.gradable ? earned : 0,
    maxScore,
  };
  if (report.late !== undefined) {
    view.score = penalised(view.score, report.late.penaltyPercent);
    view.late = { ...report.late, scoreBeforePenalty: report.gradable ? earned : 0 };
  }
  return view;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
