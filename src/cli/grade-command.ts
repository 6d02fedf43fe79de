import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { getAssignment } from '../../graders/index.js';
import { prepareSolutionValues } from '../assignments/load.js';
import type { Config } from '../config.js';
import { NotGradableError, UsageError } from '../errors.js';
import { gradeSubmission, notGradableReport } from '../grading/engine.js';
import { toGradescope } from '../grading/gradescope.js';
import type { GradeReport } from '../grading/report.js';
import type { Logger } from '../logger.js';
import { createSandbox } from '../sandbox/select.js';
import { unpackUpload } from '../submission/unpack.js';
import { ExitCode } from './exit-codes.js';
import { formatReportText } from './format-text.js';
import { writeOut, writeErr } from './terminal-output.js';

export interface GradeCommandOptions {
  assignment: string;
  json?: boolean;
  format?: 'text' | 'json' | 'gradescope';
  sandbox?: 'auto' | 'docker' | 'process';
}

async function readSubmission(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError('NO_SUCH_FILE', code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
}

export function renderReport(report: GradeReport, format: 'text' | 'json' | 'gradescope'): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'gradescope') return `${JSON.stringify(toGradescope(report), null, 2)}\n`;
  return formatReportText(report);
}

/** `autograder grade <file> --assignment <id>`: grades locally, no server needed. */
export async function gradeCommand(file: string, options: GradeCommandOptions, config: Config, logger: Logger): Promise<number> {
  const format = options.format ?? (options.json ? 'json' : 'text');
  const assignment = getAssignment(options.assignment);
  const bytes = await readSubmission(file);
  let upload: Awaited<ReturnType<typeof unpackUpload>>;
  try {
    upload = await unpackUpload(basename(file), bytes);
  } catch (e) {
    if (!(e instanceof NotGradableError)) throw e;
    const report = await notGradableReport(
      { assignment, notebook: { name: basename(file), bytes }, sandbox: undefined, limits: config.sandboxLimits },
      e,
    );
    writeOut(renderReport(report, format));
    return ExitCode.notGradable;
  }
  const sandbox = assignment.execute
    ? await createSandbox({ ...config, sandbox: options.sandbox ?? config.sandbox }, logger, { fallBackToProcess: true })
    : undefined;
  if (process.stderr.isTTY && sandbox) writeErr(`Running ${basename(file)} in the ${sandbox.kind} sandbox…\n`);
  try {
    if (sandbox) await prepareSolutionValues(assignment, sandbox, config.sandboxLimits);
    const report = await gradeSubmission({
      assignment,
      notebook: { name: upload.notebook.name, path: upload.notebook.path, bytes: upload.notebook.bytes },
      files: upload.files.map((f) => ({ path: f.path, data: f.bytes })),
      sandbox,
      limits: config.sandboxLimits,
      logger,
    });
    writeOut(renderReport(report, format));
    return report.gradable ? ExitCode.ok : ExitCode.notGradable;
  } finally {
    await sandbox?.close();
  }
}
