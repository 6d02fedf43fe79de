/**
 * A sandbox run that ended `crashed` (the harness died, not the student's kernel) or
 * `no_gpu` (the GPU could not be attached) says nothing about the student's notebook. The
 * worker turns those into platform errors so the job is retried, on this worker or another;
 * only on the last attempt does the report (with its "not your fault" message) go out.
 */
import { PlatformError } from '../src/errors.js';
import type { Sandbox, SandboxOutcome } from '../src/sandbox/sandbox.js';

const PLATFORM_OUTCOMES: ReadonlySet<SandboxOutcome> = new Set(['crashed', 'no_gpu']);

export function platformOutcomesThrow(sandbox: Sandbox, finalAttempt: boolean): Sandbox {
  if (finalAttempt) return sandbox;
  return {
    kind: sandbox.kind,
    close: () => sandbox.close(),
    async run(job, signal) {
      const run = await sandbox.run(job, signal);
      if (PLATFORM_OUTCOMES.has(run.outcome)) {
        throw new PlatformError(
          run.outcome === 'no_gpu' ? 'SANDBOX_NO_GPU' : 'SANDBOX_CRASHED',
          `the ${sandbox.kind} sandbox ended ${run.outcome}${run.detail ? ` (${run.detail})` : ''}; stderr: ${run.stderrTail.slice(-500)}`,
        );
      }
      return run;
    },
  };
}
