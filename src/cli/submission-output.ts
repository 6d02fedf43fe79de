/**
 * How `submit`, `status` and `regrade` print a submission: the report on stdout (text or
 * JSON), why grading failed on stderr, and the exit status that goes with it.
 */
import type { SubmissionView } from '../api/schemas.js';
import { ExitCode } from './exit-codes.js';
import { formatReportText } from './format-text.js';
import { writeOut, writeErr } from './terminal-output.js';

export interface SubmissionOutputOptions {
  json?: boolean;
}

/** Prints the submission and returns the exit status it means. */
export function printSubmission(submission: SubmissionView, options: SubmissionOutputOptions): number {
  if (options.json) {
    writeOut(`${JSON.stringify(submission, null, 2)}\n`);
  } else {
    writeOut(`Submission ${submission.id}: ${submission.status} (${submission.assignmentId}, ${submission.fileName}, attempts ${submission.attempts})\n`);
    if (submission.report) writeOut(`\n${formatReportText(submission.report)}`);
  }
  if (submission.status === 'failed') writeErr(`autograder: grading failed: ${submission.error ?? 'no reason recorded'}\n`);
  return exitCodeOf(submission);
}

/** Graded: 0, or 3 when not gradable; failed: 1 (the grader or the platform gave up); still waiting: 0. */
export function exitCodeOf(submission: SubmissionView): number {
  if (submission.status === 'graded') return submission.report?.gradable === false ? ExitCode.notGradable : ExitCode.ok;
  if (submission.status === 'failed') return ExitCode.internal;
  return ExitCode.ok;
}
