/**
 * The `autograder` command. Reports go to stdout; logs and progress to stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { listAssignments } from '../../graders/index.js';
import { requestTensorBackend } from '../../reference/backend.js';
import { loadConfig, type Config } from '../config.js';
import { coerceError, isAutograderError } from '../errors.js';
import { maxScoreOf } from '../grading/score.js';
import { createLogger } from '../logger.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { registerAssignmentCommands } from './assignment-commands.js';
import { gradeCommand } from './grade-command.js';
import { registerExportCommand } from './export-command.js';
import { registerImportCommand } from './import-command.js';
import { registerLmsCommands } from './lms-command.js';
import { sandboxBuildCommand } from './sandbox-command.js';
import { registerServiceCommands } from './service-commands.js';
import { writeOut, writeErr } from './terminal-output.js';

async function main(argv: string[]): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    return reportFailure(e);
  }
  requestTensorBackend(config.tensorBackend);
  const logger = createLogger(config.logLevel);
  let exitCode: number = ExitCode.ok;
  const program = new Command()
    .name('autograder')
    .description('Grades Jupyter-notebook homework against reference implementations, in a sandbox.')
    .exitOverride()
    .configureOutput({ writeErr: (s) => writeErr(s) });

  program
    .command('grade')
    .description('grade one notebook (.ipynb) or a .zip with a notebook and model files, locally')
    .argument('<file>', 'the submission')
    .requiredOption('-a, --assignment <id>', 'assignment id (see `autograder assignments`)')
    .option('--json', 'print the GradeReport JSON on stdout')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'gradescope']))
    .addOption(new Option('--sandbox <kind>', 'where student code runs').choices(['auto', 'docker', 'process']))
    .action(async (file: string, options) => {
      exitCode = await gradeCommand(file, options, config, logger);
    });

  program
    .command('assignments')
    .description('list the assignments this grader knows')
    .option('--json', 'as JSON')
    .action((options: { json?: boolean }) => {
      const rows = listAssignments().map((a) => ({
        id: a.id,
        title: a.title,
        maxScore: maxScoreOf(a.checks),
        checks: a.checks.map((c) => c.id),
      }));
      if (options.json) writeOut(`${JSON.stringify(rows, null, 2)}\n`);
      else for (const r of rows) writeOut(`${r.id.padEnd(24)} ${String(r.maxScore).padStart(3)} pts  ${r.title}\n`);
    });

  program
    .command('sandbox')
    .description('manage the Docker sandbox image')
    .command('build')
    .description('build the sandbox image offline if it is missing (idempotent)')
    .action(async () => {
      exitCode = await sandboxBuildCommand(config, logger);
    });

  registerAssignmentCommands(program, config, logger, (code) => {
    exitCode = code;
  });

  registerImportCommand(program, config, logger, (code) => {
    exitCode = code;
  });

  registerExportCommand(program, config, logger, (code) => {
    exitCode = code;
  });

  registerLmsCommands(program, config, logger, (code) => {
    exitCode = code;
  });

  registerServiceCommands(program, config, (code) => {
    exitCode = code;
  });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    return reportFailure(e);
  }
}

/** One line for an error the user can act on (bad configuration included); a stack only for a bug. */
function reportFailure(e: unknown): number {
  const error = coerceError(e);
  if (isAutograderError(error)) {
    writeErr(`autograder: ${error.message}\n`);
  } else {
    writeErr(`autograder: unexpected error: ${error.stack ?? error.message}\n`);
  }
  return exitCodeFor(error);
}

process.exitCode = await main(process.argv);
