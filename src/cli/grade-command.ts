import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { getAssignment } from '../../graders/index.js';
import { prepareSolutionValues } from '../assignments/load.js';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { gradeUpload } from '../grading/grade-upload.js';
import { toGradescope } from '../grading/gradescope.js';
import type { GradeReport } from '../grading/report.js';
import type { Logger } from '../logger.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { createSandbox } from '../sandbox/select.js';
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
  let sandbox: Sandbox | undefined;
  try {
    const { report } = await gradeUpload({
      assignment,
      file: { name: basename(file), bytes },
      // Started only once the upload unpacked: a refused file needs no sandbox.
      sandbox: async () => {
        if (!assignment.execute) return undefined;
        sandbox = await createSandbox({ ...config, sandbox: options.sandbox ?? config.sandbox }, logger, { fallBackToProcess: true });
        await prepareSolutionValues(assignment, sandbox, config.sandboxLimits);
        if (process.stderr.isTTY) writeErr(`Running ${basename(file)} in the ${sandbox.kind} sandbox…\n`);
        return sandbox;
      },
      limits: config.sandboxLimits,
      logger,
    });
    writeOut(renderReport(report, format));
    return report.gradable ? ExitCode.ok : ExitCode.notGradable;
  } finally {
    await sandbox?.close();
  }
}
