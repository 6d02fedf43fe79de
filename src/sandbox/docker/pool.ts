/**
 * Warm containers: started ahead of time, each with its kernel already up and its
 * harness waiting on stdin for a request. Each serves ONE submission and is then
 * removed (reusing a container would leak files and processes between students);
 * taking one starts a replacement in the background.
 */
import { coerceError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { short } from './client.js';
import type { LaunchedContainer } from './run-steps.js';

/** After a failed launch, wait before the next try instead of spinning against a broken engine. */
const RETRY_MS = 5_000;

export interface WarmPoolOptions {
  size: number;
  launch: () => Promise<LaunchedContainer>;
  discard: (container: LaunchedContainer) => Promise<void>;
  log: Logger;
}

export class WarmPool {
  private readonly ready: LaunchedContainer[] = [];
  private launching = 0;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: WarmPoolOptions) {}

  get readyCount(): number {
    return this.ready.length;
  }

  /** Starts filling in the background. */
  start(): void {
    this.fill();
  }

  /** A ready container, or undefined when none is (the caller launches one itself). */
  take(): LaunchedContainer | undefined {
    let found: LaunchedContainer | undefined;
    while (!found && this.ready.length > 0) {
      const candidate = this.ready.shift()!;
      if (candidate.stdout.closed) {
        // Its harness exited while waiting (e.g. the kernel could not start): never hand it out.
        this.options.log.warn({ container: short(candidate.id), stderr: candidate.stderr.text() }, 'warm sandbox container died while waiting');
        this.track(this.options.discard(candidate));
      } else {
        found = candidate;
      }
    }
    this.fill();
    return found;
  }

  /** Waits for launches in flight, then removes every container the pool holds. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    const left = this.ready.splice(0);
    const removals = await Promise.allSettled(left.map((c) => this.options.discard(c)));
    const failed = removals.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw coerceError(failed.reason);
  }

  private fill(): void {
    if (this.closed || this.retryTimer) return;
    while (this.ready.length + this.launching < this.options.size) {
      this.launching += 1;
      this.track(this.launchOne());
    }
  }

  private async launchOne(): Promise<void> {
    try {
      const container = await this.options.launch();
      if (this.closed) {
        await this.options.discard(container);
        return;
      }
      this.ready.push(container);
    } catch (e) {
      this.options.log.error({ err: coerceError(e) }, `could not start a warm sandbox container; retrying in ${RETRY_MS / 1000} s`);
      if (!this.closed && !this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.fill();
        }, RETRY_MS);
        this.retryTimer.unref();
      }
    } finally {
      this.launching -= 1;
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch((e: unknown) => this.options.log.error({ err: coerceError(e) }, 'warm pool: could not remove a container'))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}
