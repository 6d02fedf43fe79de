/**
 * SIGTERM / SIGINT: the first one stops taking jobs and lets running ones finish (for the
 * grace period, then hands them back to the queue); a second one hands them back at once
 * and exits without waiting further.
 */
import type { Logger } from '../src/logger.js';

export interface Stoppable {
  close(): Promise<void>;
  release(): Promise<void>;
}

/** How long a forced stop may take to hand jobs back before the process just exits. */
const FORCE_EXIT_AFTER_MS = 5_000;
export const FORCED_EXIT_CODE = 130;

export interface ShutdownHandle {
  /** Resolves when a first signal's orderly stop has finished. */
  readonly stopped: Promise<void>;
  /** Removes the signal handlers (after an orderly stop, or in tests). */
  dispose(): void;
}

export function handleShutdownSignals(
  target: Stoppable,
  logger: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
  signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): ShutdownHandle {
  let received = 0;
  let resolveStopped!: () => void;
  let rejectStopped!: (e: unknown) => void;
  const stopped = new Promise<void>((resolve, reject) => {
    resolveStopped = resolve;
    rejectStopped = reject;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) {
      logger.warn({ signal }, 'stopping: finishing running jobs; send the signal again to hand them back and exit now');
      target.close().then(resolveStopped, rejectStopped);
      return;
    }
    logger.warn({ signal }, 'stopping now: handing running jobs back to the queue');
    const timer = setTimeout(() => exit(FORCED_EXIT_CODE), FORCE_EXIT_AFTER_MS);
    timer.unref();
    target.release().finally(() => {
      clearTimeout(timer);
      exit(FORCED_EXIT_CODE);
    });
  };
  for (const s of signals) process.on(s, onSignal);
  return {
    stopped,
    dispose() {
      for (const s of signals) process.off(s, onSignal);
    },
  };
}
