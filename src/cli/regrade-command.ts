/**
 * `autograder regrade`: one submission (`regrade ID`, waits and prints its report, as
 * before), or a batch (`--submission ID | --student S --assignment A | --assignment A |
 * --all`, optionally `--dry-run`) with a progress bar on stderr and the changed scores
 * on stdout (regrade-batch.ts).
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { ExitCode } from './exit-codes.js';
import {
  dryRunRegrades,
  ensureSomething,
  formatRegradeSummary,
  parseScope,
  progressBar,
  publishRegrades,
  resolveTargets,
  type RegradeSummary,
} from './regrade-batch.js';
import { clientFor, regradeCommand, type WaitingOptions } from './submit-command.js';
import { writeOut } from './terminal-output.js';

export interface RegradeOptions extends WaitingOptions {
  submission?: string;
  student?: string;
  assignment?: string;
  all?: boolean;
  dryRun?: boolean;
}

function summaryJson(summary: RegradeSummary): unknown {
  return {
    dryRun: summary.dryRun,
    regraded: summary.outcomes.length,
    changed: summary.changed.length,
    failed: summary.failed.length,
    outcomes: summary.outcomes.map((o) => ({
      assignmentId: o.target.assignmentId,
      submissionId: o.target.row.id,
      studentId: o.target.row.studentId,
      studentName: o.target.row.studentName,
      before: o.before,
      after: o.after,
      maxScore: o.maxScore,
      status: o.status,
      changed: summary.changed.includes(o),
      ...(o.error === undefined ? {} : { error: o.error }),
    })),
  };
}

export async function regradeBatchCommand(positional: string | undefined, options: RegradeOptions, config: Config, logger: Logger): Promise<number> {
  const batch = options.submission !== undefined || options.student !== undefined || options.assignment !== undefined || options.all === true || options.dryRun === true;
  if (positional !== undefined && !batch) return regradeCommand(positional, options, config);
  const scope = parseScope(options, positional);
  const client = clientFor(options, config);
  const targets = await resolveTargets(client, scope);
  ensureSomething(targets);
  const progress = progressBar(options.dryRun ? 'grading here (dry run)' : 'regrading');
  const summary = options.dryRun
    ? await dryRunRegrades(client, targets, { config, logger, progress })
    : await publishRegrades(client, targets, { progress, stallTimeoutMs: Number(options.wait ?? 600) * 1000 });
  writeOut(options.json ? `${JSON.stringify(summaryJson(summary), null, 2)}\n` : formatRegradeSummary(summary));
  return summary.failed.length === 0 ? ExitCode.ok : ExitCode.platform;
}
