import type { GradeReport } from '../grading/report.js';
import { formatPoints } from '../grading/score.js';

const MARK = { passed: '✔', partial: '◐', failed: '✘' } as const;

const pts = formatPoints;

/** A report as a student or instructor reads it in a terminal. */
export function formatReportText(report: GradeReport): string {
  const lines: string[] = [];
  lines.push(`${report.assignment.id}  ${report.submission.file}`);
  if (!report.gradable) {
    lines.push(`Not gradable: ${report.errors.join(' ')}`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Score: ${pts(report.score)} / ${pts(report.maxScore)}`, '');
  const width = Math.max(...report.checks.map((c) => c.id.length), 8);
  for (const c of report.checks) {
    lines.push(`${MARK[c.status]} ${c.id.padEnd(width)}  ${pts(c.points).padStart(5)} / ${pts(c.maxPoints)}`);
    if (c.status !== 'passed') {
      // A report holds instructorFeedback only where its reader may see it (the API's student view drops it).
      for (const l of (c.instructorFeedback ?? c.feedback).split('\n')) lines.push(`    ${l}`);
    }
  }
  if (report.errors.length) lines.push('', ...report.errors.map((e) => `! ${e}`));
  if (report.warnings?.length) lines.push('', 'For the instructor (not charged to the student):', ...report.warnings.map((w) => `! ${w}`));
  if (report.objectives.length) {
    lines.push('', 'By objective:');
    for (const o of report.objectives) lines.push(`  ${o.id.padEnd(24)} ${pts(o.points)} / ${pts(o.maxPoints)}`);
  }
  lines.push('', `(${report.environment.sandbox} sandbox, ${report.environment.tensorBackend} references, ${report.timings.totalMs} ms)`);
  return `${lines.join('\n')}\n`;
}
