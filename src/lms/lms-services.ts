/**
 * What the API needs of the LMS side, built once by createApp: the repository, the sealed
 * secrets, our signing key, the passback queue, and `resultRecorded`, the hook called where
 * a result becomes current.
 */
import type { Redis } from 'ioredis';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LmsRepository } from '../store/lms-repository.js';
import { createPassbackQueue, schedulePassback, type PassbackQueue, type PassbackRetry } from './passback.js';
import type { SecretBox } from './secret-box.js';
import { SigningKeys } from './signing-keys.js';

export interface LmsServices {
  repo: LmsRepository;
  box: SecretBox;
  keys: SigningKeys;
  passbackQueue: PassbackQueue;
  /** Limit on fetching a webhook's `file_url`. @defaultValue 30000 (ms) */
  fileUrlTimeoutMs: number;
  /**
   * Schedules the score passback of a result that just became current. Never throws: the
   * result is recorded whatever happens here; a failure is logged with the submission.
   */
  resultRecorded(submission: { id: string; assignmentId: string }, result: { id: string; createdAt: Date }): Promise<void>;
}

export interface LmsServicesOptions {
  repo: LmsRepository;
  box: SecretBox;
  /** The API's Redis connection and queue prefix (the grading queues'). */
  redis: Redis;
  prefix: string;
  logger: Logger;
  retry?: PassbackRetry;
  fileUrlTimeoutMs?: number;
}

export function createLmsServices(options: LmsServicesOptions): LmsServices {
  const passbackQueue = createPassbackQueue(options.redis, options.prefix, options.logger);
  return {
    repo: options.repo,
    box: options.box,
    keys: new SigningKeys(options.repo, options.box),
    passbackQueue,
    fileUrlTimeoutMs: options.fileUrlTimeoutMs ?? 30_000,
    async resultRecorded(submission, result) {
      try {
        await schedulePassback({ repo: options.repo, queue: passbackQueue, logger: options.logger, retry: options.retry }, submission, result);
      } catch (e) {
        options.logger.error(
          { submissionId: submission.id, resultId: result.id, err: coerceError(e).message },
          'the score passback of this result could not be scheduled; regrade the submission to send it',
        );
      }
    },
  };
}
