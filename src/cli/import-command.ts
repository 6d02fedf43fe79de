/**
 * `autograder import <archive.zip> --assignment <id>`: grades every student's submission in
 * an LMS's "download all submissions" archive (Moodle's) locally, one sandbox run each, and
 * writes a report per student plus grades.csv. A student whose upload cannot be graded gets
 * a `gradable: false` report and the batch goes on.
 */
import { Option, type Command } from 'commander';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { getAssignment } from '../../graders/index.js';
import type { Config } from '../config.js';
import { isAutograderError, NotGradableError, UsageError } from '../errors.js';
import type { AssignmentDefinition } from '../grading/assignment.js';
import { gradeUpload } from '../grading/grade-upload.js';
import type { Logger } from '../logger.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { createSandbox } from '../sandbox/select.js';
import { parseMoodleArchive, unpackMoodleSubmission, type MoodleArchive, type MoodleSubmission } from '../submission/moodle.js';
import { ExitCode } from './exit-codes.js';
import { gradesCsv, reportFileName, summaryTable, type ImportedStudent } from './import-results.js';
import { progressLine } from './progress.js';
import { writeOut, writeErr } from './terminal-output.js';

export interface ImportCommandOptions {
  assignment: string;
  out?: string;
  sandbox?: 'auto' | 'docker' | 'process';
  concurrency?: string;
}

export function registerImportCommand(program: Command, config: Config, logger: Logger, setExitCode: (code: number) => void): void {
  program
    .command('import')
    .description("grade every student in an LMS's \"download all submissions\" archive (Moodle), locally")
    .argument('<archive>', 'the .zip the LMS gave you')
    .requiredOption('-a, --assignment <id>', 'assignment id (see `autograder assignments`)')
    .option('-o, --out <dir>', 'where the reports and grades.csv go (default: ./import-<assignment>-<timestamp>)')
    .addOption(new Option('--sandbox <kind>', 'where student code runs').choices(['auto', 'docker', 'process']))
    .option('--concurrency <n>', 'students graded at once', '1')
    .action(async (archive: string, options: ImportCommandOptions) => setExitCode(await importCommand(archive, options, config, logger)));
}

/** How many skipped archive entries are named on stderr before the rest are counted. */
const SKIPPED_SHOWN = 5;

export async function importCommand(archivePath: string, options: ImportCommandOptions, config: Config, logger: Logger): Promise<number> {
  const assignment = getAssignment(options.assignment);
  const concurrency = parseConcurrency(options.concurrency);
  const bytes = await readArchive(archivePath);

  let archive: MoodleArchive;
  try {
    archive = await parseMoodleArchive(bytes);
  } catch (e) {
    // Not a zip, or a zip without Moodle folders: the archive itself is what cannot be graded.
    if (isAutograderError(e) && (e instanceof NotGradableError || e.code === 'NOT_A_MOODLE_ARCHIVE')) {
      writeErr(`autograder: ${archivePath} is not a Moodle submissions archive: ${e.message}\n`);
      return ExitCode.notGradable;
    }
    throw e;
  }
  reportSkipped(archive.skipped);

  const out = resolve(options.out ?? defaultOutDir(assignment.id));
  await mkdir(out, { recursive: true });

  const sandbox = assignment.execute
    ? await createSandbox({ ...config, sandbox: options.sandbox ?? config.sandbox }, logger, { fallBackToProcess: true })
    : undefined;
  const total = archive.submissions.length;
  const progress = progressLine();
  let finished = 0;
  const students: ImportedStudent[] = new Array<ImportedStudent>(total);
  try {
    await forEachConcurrently(archive.submissions, concurrency, async (submission, index) => {
      progress.update(`grading ${finished + 1}/${total}: ${submission.name} (${submission.participantId})`);
      const student = await gradeStudent(submission, assignment, sandbox, config, logger);
      await writeFile(join(out, reportFileName(student)), `${JSON.stringify(student.report, null, 2)}\n`);
      students[index] = student;
      finished++;
    });
  } finally {
    progress.done();
    await sandbox?.close();
  }

  const csvPath = join(out, 'grades.csv');
  await writeFile(csvPath, gradesCsv(assignment, students));
  const notGradable = students.filter((s) => !s.report.gradable).length;
  writeOut(summaryTable(students));
  writeOut(
    `\n${total} student${total === 1 ? '' : 's'}: ${total - notGradable} graded, ${notGradable} not gradable. ` +
      `Reports and grades.csv in ${out}\n`,
  );
  return ExitCode.ok;
}

async function gradeStudent(
  submission: MoodleSubmission,
  assignment: AssignmentDefinition,
  sandbox: Sandbox | undefined,
  config: Config,
  logger: Logger,
): Promise<ImportedStudent> {
  const who = { participantId: submission.participantId, name: submission.name };
  const submissionId = `moodle-${submission.participantId}`;
  const [first] = submission.files;
  const { report, notebookPath } = await gradeUpload({
    assignment,
    file: { name: first?.path ?? '', bytes: first?.bytes ?? new Uint8Array() },
    unpack: () => unpackMoodleSubmission(submission),
    submissionId,
    sandbox,
    limits: config.sandboxLimits,
    logger,
  });
  // Not unpacked: name every file the student handed in.
  const file = notebookPath === undefined ? submission.files.map((f) => f.path).join('; ') : pathInFolder(submission, notebookPath);
  return { ...who, file, report };
}

/** The notebook's path in the student's Moodle folder (unpacking drops a wrapping folder); inside their zip, its path there. */
function pathInFolder(submission: MoodleSubmission, notebookPath: string): string {
  return submission.files.find((f) => f.path === notebookPath || f.path.endsWith(`/${notebookPath}`))?.path ?? notebookPath;
}

/** Runs `work` on every item with at most `limit` running at once; the first failure stops new work. */
async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const lanes = Array.from({ length: Math.min(limit, items.length) }, lane);
  const results = await Promise.allSettled(lanes);
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

function parseConcurrency(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError('BAD_CONCURRENCY', `--concurrency must be a whole number of at least 1, not ${JSON.stringify(value)}`);
  return n;
}

async function readArchive(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError('NO_SUCH_FILE', code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
}

/** `import-u06-heads-20261126T123000Z`: sorts by time, safe in any file system. */
function defaultOutDir(assignmentId: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `import-${assignmentId}-${stamp}`;
}

function reportSkipped(skipped: MoodleArchive['skipped']): void {
  for (const s of skipped.slice(0, SKIPPED_SHOWN)) writeErr(`note: skipped ${s.path}: ${s.reason}\n`);
  if (skipped.length > SKIPPED_SHOWN) writeErr(`note: skipped ${skipped.length - SKIPPED_SHOWN} more entries\n`);
}
