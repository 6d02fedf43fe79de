/**
 * Bounds on uploads in progress, so a few users sending large or hostile files at once
 * cannot take the API's memory, CPU or disk:
 * - validations (inflating a zip, parsing a notebook) run a few at a time, service-wide;
 * - each user has a few uploads in progress (body on disk, validation, storage) at once,
 *   and a few more waiting, with their bodies not yet read; more are refused with 429.
 */
import { z } from 'zod';
import { HttpError } from './http-error.js';
import { Semaphore, type Release } from './semaphore.js';

export const UploadGateOptionsSchema = z.object({
  /** Uploads validated at once, service-wide; the others wait their turn. @defaultValue 2 */
  validations: z.number().int().positive().default(2),
  /** Uploads waiting for validation before more are refused with 503. @defaultValue 256 */
  validationsWaiting: z.number().int().nonnegative().default(256),
  /** Uploads one user may have in progress at once. @defaultValue 2 */
  perUser: z.number().int().positive().default(2),
  /** A user's uploads waiting (body not yet read) before more are refused with 429. @defaultValue 16 */
  perUserWaiting: z.number().int().nonnegative().default(16),
});
export type UploadGateOptions = z.output<typeof UploadGateOptionsSchema>;
export type UploadGateOptionsInput = z.input<typeof UploadGateOptionsSchema>;

export class UploadGate {
  readonly options: UploadGateOptions;
  private readonly validations: Semaphore;
  private readonly users = new Map<string, Semaphore>();

  constructor(options: UploadGateOptionsInput = {}) {
    this.options = UploadGateOptionsSchema.parse(options);
    this.validations = new Semaphore(this.options.validations, this.options.validationsWaiting);
  }

  /**
   * Waits for one of the user's upload slots; call the release function when the upload
   * is answered. Throws 429 when the user already has too many uploads waiting.
   */
  async enter(userId: string): Promise<Release> {
    let slots = this.users.get(userId);
    if (slots === undefined) {
      slots = new Semaphore(this.options.perUser, this.options.perUserWaiting);
      this.users.set(userId, slots);
    }
    const turn = slots.acquire();
    if (turn === undefined) {
      throw new HttpError(
        429,
        'TOO_MANY_UPLOADS_IN_PROGRESS',
        `you have ${slots.active + slots.queued} uploads in progress; wait for them to be answered before sending more`,
        { headers: { 'Retry-After': '10' }, body: { retryAfterSeconds: 10 } },
      );
    }
    const release = await turn;
    const owned = slots;
    return () => {
      release();
      if (owned.idle && this.users.get(userId) === owned) this.users.delete(userId);
    };
  }

  /** Runs `work` when a validation turn is free. Throws 503 when too many uploads wait already. */
  async validate<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.validations.acquire();
    if (turn === undefined) {
      throw new HttpError(503, 'BUSY', 'the grader is checking many uploads right now; send yours again in a minute', {
        headers: { 'Retry-After': '30' },
      });
    }
    const release = await turn;
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Uploads in progress per user and validations running, for tests and metrics. */
  get load(): { validating: number; waitingToValidate: number; users: number } {
    return { validating: this.validations.active, waitingToValidate: this.validations.queued, users: this.users.size };
  }
}
