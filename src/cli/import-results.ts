/**
 * What `autograder import` writes for a graded batch: a file name per student, the
 * grades.csv an instructor opens in a spreadsheet, and the summary table on stdout.
 */
import { toCsv } from '../api/csv.js';
import type { AssignmentDefinition } from '../grading/assignment.js';
import type { GradeReport } from '../grading/report.js';

export interface ImportedStudent {
  participantId: string;
  name: string;
  /** The notebook graded, or what the student handed in when there was none to grade. */
  file: string;
  report: GradeReport;
}

/**
 * A file-name-safe form of a student's name: ASCII letters, digits, `.`, `_`, `-` only,
 * so the report files copy cleanly between systems; the participant id keeps them unique.
 */
export function safeFileName(name: string): string {
  const ascii = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const safe = ascii
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 64);
  return safe === '' ? 'student' : safe;
}

export function reportFileName(student: Pick<ImportedStudent, 'participantId' | 'name'>): string {
  return `${student.participantId}-${safeFileName(student.name)}.json`;
}

/** One row per student; one column per check, holding its points; score and points are empty when not gradable. */
export function gradesCsv(assignment: AssignmentDefinition, students: readonly ImportedStudent[]): string {
  const checkColumns = assignment.checks.map((check): [string, (s: ImportedStudent) => unknown] => [
    check.id,
    (s) => s.report.checks.find((c) => c.id === check.id)?.points,
  ]);
  return toCsv(students, [
    ['participant id', (s) => s.participantId],
    ['name', (s) => s.name],
    ['file', (s) => s.file],
    // Empty, never 0, for a student who could not be graded: a 0 pasted into a gradebook is a grade.
    ['score', (s) => (s.report.gradable ? s.report.score : undefined)],
    ['max score', (s) => s.report.maxScore],
    ['gradable', (s) => s.report.gradable],
    ...checkColumns,
  ]);
}

/** A plain-text table for the terminal: who got what, and why a student was not graded. */
export function summaryTable(students: readonly ImportedStudent[]): string {
  const rows = students.map((s) => [
    s.participantId,
    s.name,
    s.report.gradable ? `${s.report.score} / ${s.report.maxScore}` : '-',
    s.report.gradable ? s.file : `not gradable: ${s.report.errors[0] ?? 'no reason given'}`,
  ]);
  const header = ['id', 'name', 'score', 'file / reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
