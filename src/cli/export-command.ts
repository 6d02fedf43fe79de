/**
 * `autograder export --assignment A --moodle-worksheet W.csv --out DIR [--reports DIR]`:
 * the two files Moodle imports, from the reports `autograder import` wrote (one
 * `<participant id>-<name>.json` each; by default read from DIR itself, where the import
 * put them): DIR/moodle-grading-worksheet.csv (Moodle's worksheet with Grade and Feedback
 * comments filled) and DIR/moodle-feedback-files.zip (one folder per participant with an
 * HTML report). A student who was not gradable gets no grade, and the feedback says why.
 */
import type { Command } from 'commander';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { GradeReportSchema, type GradeReport } from '../grading/report.js';
import { feedbackZip, fillWorksheet } from '../lms/moodle-export.js';
import type { Logger } from '../logger.js';
import { ExitCode } from './exit-codes.js';
import { writeErr, writeOut } from './terminal-output.js';

export const WORKSHEET_OUT = 'moodle-grading-worksheet.csv';
export const FEEDBACK_ZIP_OUT = 'moodle-feedback-files.zip';

export interface ExportOptions {
  assignment: string;
  moodleWorksheet: string;
  out: string;
  reports?: string;
}

export function registerExportCommand(program: Command, _config: Config, _logger: Logger, setExitCode: (code: number) => void): void {
  program
    .command('export')
    .description("write Moodle's grading worksheet (grades and feedback filled) and feedback-files zip from `autograder import` reports")
    .requiredOption('-a, --assignment <id>', 'the assignment the reports grade')
    .requiredOption('--moodle-worksheet <csv>', 'the worksheet from "Download grading worksheet" on the assignment page')
    .requiredOption('-o, --out <dir>', 'where the two files go')
    .option('--reports <dir>', 'the folder `autograder import` wrote its reports to (default: --out)')
    .action(async (options: ExportOptions) => setExitCode(await exportCommand(options)));
}

export async function exportCommand(options: ExportOptions): Promise<number> {
  const out = resolve(options.out);
  const reportsDir = resolve(options.reports ?? options.out);
  const worksheet = await readText(options.moodleWorksheet);
  const reports = await readReports(reportsDir, options.assignment);
  if (reports.size === 0) {
    throw new UsageError('NO_REPORTS', `no reports of ${options.assignment} in ${reportsDir}; run \`autograder import <archive> -a ${options.assignment} -o ${reportsDir}\` first`);
  }
  const filled = fillWorksheet(worksheet, reports);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, WORKSHEET_OUT), filled.csv);
  await writeFile(join(out, FEEDBACK_ZIP_OUT), await feedbackZip(filled.filled, reports));

  const notGradable = filled.filled.filter((f) => !f.gradable).length;
  if (!filled.hasFeedbackColumn) writeErr('note: the worksheet has no "Feedback comments" column (feedback comments are off for this assignment in Moodle); grades only\n');
  if (filled.notInWorksheet.length > 0) writeErr(`note: ${filled.notInWorksheet.length} report(s) name participants the worksheet does not have: ${filled.notInWorksheet.join(', ')}\n`);
  if (filled.withoutReport.length > 0) writeErr(`note: ${filled.withoutReport.length} participant(s) without a report keep their rows as they were\n`);
  writeOut(
    `${filled.filled.length} participant(s) filled (${notGradable} not gradable: grade left empty, feedback says why).\n` +
      `Upload ${join(out, WORKSHEET_OUT)} with "Upload grading worksheet" and ${join(out, FEEDBACK_ZIP_OUT)} with "Upload multiple feedback files in a zip".\n`,
  );
  return ExitCode.ok;
}

/** `<participant id>-<name>.json` reports of the assignment, by participant id. */
async function readReports(dir: string, assignmentId: string): Promise<Map<string, GradeReport>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new UsageError('NO_SUCH_FILE', `cannot read the reports folder ${dir}: ${(e as Error).message}`);
  }
  const reports = new Map<string, GradeReport>();
  for (const name of names.sort()) {
    const participantId = /^(\d+)-.*\.json$/.exec(name)?.[1];
    if (participantId === undefined) continue;
    let json: unknown;
    try {
      json = JSON.parse(await readText(join(dir, name)));
    } catch {
      writeErr(`note: skipped ${name}: not JSON\n`);
      continue;
    }
    const parsed = GradeReportSchema.safeParse(json);
    if (!parsed.success) {
      writeErr(`note: skipped ${name}: not a grade report\n`);
      continue;
    }
    if (parsed.data.assignment.id !== assignmentId) {
      writeErr(`note: skipped ${name}: it grades ${parsed.data.assignment.id}, not ${assignmentId}\n`);
      continue;
    }
    reports.set(participantId, parsed.data);
  }
  return reports;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError('NO_SUCH_FILE', code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
}
