/**
 * `autograder assign SOLUTION.ipynb --out DIR` and `autograder validate DIR...`: an
 * instructor makes an assignment folder from a solution notebook and checks it before
 * students see it.
 */
import { Option, type Command } from 'commander';
import { relative } from 'node:path';
import { assign } from '../assignments/assign.js';
import { validateAssignmentDir } from '../assignments/validate.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createSandbox } from '../sandbox/select.js';
import { ExitCode } from './exit-codes.js';
import { writeOut } from './terminal-output.js';

export function registerAssignmentCommands(program: Command, config: Config, logger: Logger, setExit: (code: number) => void): void {
  program
    .command('assign')
    .description('make an assignment folder (student starter, solution, assignment.yaml skeleton) from a solution notebook')
    .argument('<solution>', "the instructor's solution notebook, with the course's starter markers")
    .requiredOption('-o, --out <dir>', 'the assignment folder to write')
    .option('--id <id>', 'the assignment id (default: the folder name)')
    .option('--force', 'replace an existing assignment.yaml')
    .action((solution: string, options: { out: string; id?: string; force?: boolean }) => {
      const result = assign({ solutionPath: solution, outDir: options.out, ...(options.id ? { id: options.id } : {}), ...(options.force ? { force: true } : {}) });
      const where = relative(process.cwd(), result.dir) || '.';
      writeOut(`${where}/starter.ipynb: ${result.changedCells.length} cell(s) turned into starter code\n`);
      writeOut(`${where}/assignment.yaml: functions ${result.functions.map((f) => f.name).join(', ') || '(none found)'}; review it, then run \`autograder validate ${where}\`\n`);
      setExit(ExitCode.ok);
    });

  program
    .command('validate')
    .description('check assignment folders: the solution earns full marks, the unchanged starter no code credit, every example its expected verdicts')
    .argument('<dirs...>', 'assignment folders (each with an assignment.yaml)')
    .addOption(new Option('--sandbox <kind>', 'where the notebooks run').choices(['auto', 'docker', 'process']))
    .option('--jobs <n>', 'notebooks graded at once', (v) => Number.parseInt(v, 10), 2)
    .action(async (dirs: string[], options: { sandbox?: 'auto' | 'docker' | 'process'; jobs: number }) => {
      const sandbox = await createSandbox({ ...config, sandbox: options.sandbox ?? config.sandbox }, logger, { fallBackToProcess: true });
      let failed = false;
      try {
        for (const dir of dirs) {
          const result = await validateAssignmentDir(dir, { sandbox, limits: config.sandboxLimits, logger, concurrency: Math.max(1, options.jobs || 1) });
          if (result.problems.length === 0) {
            writeOut(`${result.id}: ok (${result.checked.join(', ')})\n`);
          } else {
            failed = true;
            writeOut(`${result.id}: ${result.problems.length} difference(s)\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`);
          }
        }
      } finally {
        await sandbox.close();
      }
      setExit(failed ? ExitCode.internal : ExitCode.ok);
    });
}
