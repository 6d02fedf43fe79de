/**
 * A counting semaphore with a bounded waiting line: at most `limit` holders at once, at
 * most `maxWaiting` callers waiting for a turn; beyond that `acquire` says no at once, so
 * a flood is refused instead of queued without end.
 */
export type Release = () => void;

export class Semaphore {
  private holders = 0;
  private readonly waiting: Array<(release: Release) => void> = [];

  constructor(
    readonly limit: number,
    readonly maxWaiting = Number.POSITIVE_INFINITY,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a semaphore needs a limit of at least 1, not ${limit}`);
  }

  get active(): number {
    return this.holders;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** True when nobody holds or waits for it (a per-key semaphore can be dropped). */
  get idle(): boolean {
    return this.holders === 0 && this.waiting.length === 0;
  }

  /**
   * A release function once a turn is free; undefined, at once, when the waiting line is
   * full. Calling the release function more than once releases once.
   */
  acquire(): Promise<Release> | undefined {
    if (this.holders < this.limit) {
      this.holders++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.maxWaiting) return undefined;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The turn passes straight to the next waiter; the holder count stays the same.
      if (next !== undefined) next(this.releaser());
      else this.holders--;
    };
  }
}
