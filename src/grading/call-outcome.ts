/**
 * Turns one sandbox call result into either a decoded array or a student-facing reason.
 */
import { decodeArray, type NdArray } from '../sandbox/arrays.js';
import type { CallResult } from '../sandbox/protocol.js';
import type { GradingContext } from './assignment.js';

export type CallOutcome =
  | { ok: true; value: NdArray; /** The name the notebook defined, when the harness says (an alias or the contract name). */ name?: string }
  | {
      ok: false;
      missing: boolean;
      /** For the student: never an exception's message, which can carry the hidden inputs back. */
      reason: string;
      /** For the instructor, when it says more than `reason` (the exception's full text). */
      detail?: string;
    };

export function sandboxFailureText(ctx: GradingContext): string {
  const run = ctx.run;
  if (!run) return 'the notebook was not run';
  switch (run.outcome) {
    case 'timeout': return 'the notebook ran past its time limit before the function could be called';
    case 'oom': return 'the notebook ran out of memory before the function could be called';
    case 'output_limit': return 'the notebook produced more output than allowed';
    case 'no_gpu': return run.detail ?? 'this assignment needs a GPU worker';
    case 'crashed': return 'the grading sandbox stopped unexpectedly';
    case 'completed': return 'the function was not called';
  }
}

export function callOutcome(ctx: GradingContext, callId: string, fn: string, callTimeoutS?: number): CallOutcome {
  const result = ctx.calls.get(callId);
  if (!result) return { ok: false, missing: false, reason: sandboxFailureText(ctx) };
  return outcomeOf(result, fn, callTimeoutS);
}

function outcomeOf(result: CallResult, fn: string, callTimeoutS?: number): CallOutcome {
  switch (result.status) {
    case 'ok':
      try {
        return { ok: true, value: decodeArray(result.value), ...(result.name ? { name: result.name } : {}) };
      } catch (e) {
        return { ok: false, missing: false, reason: `returned a value that could not be read (${(e as Error).message})` };
      }
    case 'missing':
      return { ok: false, missing: true, reason: `the notebook defines no function \`${fn}\`` };
    case 'error': {
      // The inputs are the grader's: the type and the student's own line say what to fix; the
      // message (`raise ValueError(repr(x))`) could print the inputs, so only instructors get it.
      const where = result.line && result.line.text ? ` at \`${result.line.text}\` (line ${result.line.lineno} of its cell)` : '';
      const full = `raised ${result.ename}${result.evalue ? `: ${result.evalue}` : ''}`;
      const reason = `raised ${result.ename}${where}`;
      return { ok: false, missing: false, reason, ...(full !== reason ? { detail: `${full}${where}` } : {}) };
    }
    case 'refused':
      return { ok: false, missing: false, reason: result.reason };
    case 'timeout':
      return {
        ok: false,
        missing: false,
        reason: `did not return within ${callTimeoutS ?? 'the'} seconds${callTimeoutS ? '' : ' time limit'}`,
      };
  }
}

export function missingFunctionFeedback(fn: string, signature: string, aliases: readonly string[] = []): string {
  const accepted = aliases.length ? ` (or ${aliases.map((a) => `\`${a}\``).join(', ')})` : '';
  return `The notebook defines no function \`${fn}\`${accepted}, so it could not be tested. ` +
    `Define \`def ${signature}:\` at the top level of a code cell (check the spelling), ` +
    'and make sure the cells run from top to bottom without errors.';
}
