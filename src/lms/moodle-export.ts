/**
 * Moodle without LTI: the two files Moodle imports on an assignment's grading page.
 *
 * - The grading worksheet ("Download grading worksheet", then "Upload grading worksheet"):
 *   every row and column is written back as Moodle wrote it; only `Grade` and
 *   `Feedback comments` of the participants we have a report for are filled. Rows are
 *   matched by `Identifier` ("Participant 123456"), the participant id that also names the
 *   folders of Moodle's "Download all submissions" archive. The grade is scaled to the
 *   worksheet's `Maximum Grade` when it has one.
 * - The feedback files zip ("Upload multiple feedback files in a zip"): one folder per
 *   participant, named like the submission folders of Moodle's download
 *   (`<Full name>_<participant id>_assignsubmission_file_/`), holding a readable HTML report.
 *
 * A submission that was not gradable leaves the grade empty (never a 0, which a gradebook
 * would take for a grade) and the feedback says why.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import JSZip from 'jszip';
import { UsageError } from '../errors.js';
import type { GradeReport } from '../grading/report.js';

export const FEEDBACK_FILE_NAME = 'autograder-report.html';

export interface WorksheetOutcome {
  participantId: string;
  fullName: string;
  /** What went into the Grade column; empty when not gradable. */
  grade: string;
  gradable: boolean;
}

export interface FilledWorksheet {
  csv: string;
  filled: WorksheetOutcome[];
  /** Participants of the worksheet without a report: their rows are left as they were. */
  withoutReport: string[];
  /** Reports whose participant is not in the worksheet. */
  notInWorksheet: string[];
  /** False when the worksheet has no Feedback comments column (the plugin is off in Moodle). */
  hasFeedbackColumn: boolean;
}

const BOM = '\ufeff';

/** The participant id of a worksheet `Identifier` ("Participant 123456", in the course's language). */
export function participantIdOf(identifier: string): string | undefined {
  return /(\d+)\s*$/.exec(identifier.trim())?.[1];
}

export function fillWorksheet(worksheet: string, reports: ReadonlyMap<string, GradeReport>): FilledWorksheet {
  const hasBom = worksheet.startsWith(BOM);
  let rows: string[][];
  try {
    rows = parse(hasBom ? worksheet.slice(1) : worksheet, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (cause) {
    throw new UsageError('BAD_WORKSHEET', `the grading worksheet is not a CSV file: ${(cause as Error).message}`, { cause });
  }
  const [header, ...body] = rows;
  if (header === undefined) throw new UsageError('BAD_WORKSHEET', 'the grading worksheet is empty; download it again from the assignment');
  const column = (name: string) => header.findIndex((h) => h.trim().toLowerCase() === name.toLowerCase());
  const identifier = column('Identifier');
  const grade = column('Grade');
  const feedback = column('Feedback comments');
  const fullName = column('Full name');
  const maximum = column('Maximum Grade');
  if (identifier < 0 || grade < 0) {
    throw new UsageError('BAD_WORKSHEET', 'this is not a Moodle grading worksheet (it has no "Identifier" and "Grade" columns); use "Download grading worksheet" on the assignment page');
  }

  const filled: WorksheetOutcome[] = [];
  const withoutReport: string[] = [];
  const seen = new Set<string>();
  const out = body.map((row) => {
    const participantId = participantIdOf(row[identifier] ?? '');
    const report = participantId === undefined ? undefined : reports.get(participantId);
    if (participantId === undefined || report === undefined) {
      if (participantId !== undefined) withoutReport.push(participantId);
      return row;
    }
    seen.add(participantId);
    const next = [...row];
    while (next.length < header.length) next.push('');
    const max = maximum < 0 ? NaN : Number((row[maximum] ?? '').replace(',', '.'));
    const value = report.gradable ? formatGrade(Number.isFinite(max) && max > 0 && report.maxScore > 0 ? (report.score / report.maxScore) * max : report.score) : '';
    next[grade] = value;
    if (feedback >= 0) next[feedback] = feedbackComment(report);
    filled.push({ participantId, fullName: fullName < 0 ? '' : (row[fullName] ?? ''), grade: value, gradable: report.gradable });
    return next;
  });
  const notInWorksheet = [...reports.keys()].filter((id) => !seen.has(id));
  const csv = stringify([header, ...out]);
  return { csv: hasBom ? BOM + csv : csv, filled, withoutReport, notInWorksheet, hasFeedbackColumn: feedback >= 0 };
}

function formatGrade(value: number): string {
  return (Math.round(value * 100) / 100).toFixed(2);
}

/** The short comment Moodle shows beside the grade. */
export function feedbackComment(report: GradeReport): string {
  if (!report.gradable) {
    const why = report.errors.length > 0 ? report.errors.join(' ') : 'the upload could not be read as a notebook';
    return `Not graded by the autograder, so no grade was entered: ${why} See the feedback file for details.`;
  }
  const late = report.late === undefined ? '' : ' (after the late penalty)';
  return `Autograder: ${report.score} / ${report.maxScore} points${late}. The feedback file has the result of every check.`;
}

/** Moodle's folder name for a participant's files: `<Full name>_<id>_assignsubmission_file_`. */
export function participantFolder(fullName: string, participantId: string): string {
  // Moodle's download turns "_" in names into spaces (the id is found after the last name part), and paths may not hold these.
  const name = fullName.replace(/_/g, ' ').replace(/[/\\:*?"<>|\u0000-\u001f]/g, '').trim() || 'Participant';
  return `${name}_${participantId}_assignsubmission_file_`;
}

export async function feedbackZip(outcomes: readonly WorksheetOutcome[], reports: ReadonlyMap<string, GradeReport>): Promise<Uint8Array> {
  const zip = new JSZip();
  for (const outcome of outcomes) {
    const report = reports.get(outcome.participantId);
    if (report === undefined) continue;
    zip.file(`${participantFolder(outcome.fullName, outcome.participantId)}/${FEEDBACK_FILE_NAME}`, feedbackHtml(report, outcome.fullName), { date: new Date(0) });
  }
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
}

/** A readable, self-contained report: what a student sees (hidden checks left out). */
export function feedbackHtml(report: GradeReport, fullName: string): string {
  const shown = report.checks.filter((c) => c.visibility !== 'hidden');
  const hidden = report.checks.length - shown.length;
  const rows = shown
    .map((c) => `<tr><td>${escape(c.title)}</td><td>${escape(c.status)}</td><td>${c.points} / ${c.maxPoints}</td><td>${escape(c.feedback).replace(/\n/g, '<br>')}</td></tr>`)
    .join('\n');
  const summary = report.gradable
    ? `<p><strong>Score: ${report.score} / ${report.maxScore}</strong>${report.late ? ` (late penalty applied)` : ''}</p>`
    : `<p><strong>Not graded.</strong> No grade was entered, because the upload could not be graded:</p><ul>${report.errors.map((e) => `<li>${escape(e)}</li>`).join('')}</ul>`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>Autograder report: ${escape(report.assignment.id)}</title>`,
    '<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .6em;vertical-align:top;text-align:left}</style>',
    '</head><body>',
    `<h1>Autograder report: ${escape(report.assignment.id)}</h1>`,
    `<p>${escape(fullName)} &mdash; ${escape(report.submission.file)}</p>`,
    summary,
    shown.length > 0 ? `<table><thead><tr><th>Check</th><th>Result</th><th>Points</th><th>Feedback</th></tr></thead><tbody>\n${rows}\n</tbody></table>` : '',
    hidden > 0 ? `<p>${hidden} further check${hidden === 1 ? ' is' : 's are'} not shown; ${hidden === 1 ? 'it counts' : 'they count'} in the score.</p>` : '',
    report.gradable && report.errors.length > 0 ? `<h2>Problems</h2><ul>${report.errors.map((e) => `<li>${escape(e)}</li>`).join('')}</ul>` : '',
    '</body></html>',
    '',
  ].join('\n');
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
