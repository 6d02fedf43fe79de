/**
 * What every route needs, built once by createApp.
 */
import type { Redis } from 'ioredis';
import type { LmsServices } from '../lms/lms-services.js';
import type { Logger } from '../logger.js';
import type { GradingQueues } from '../queue/grading.js';
import type { BlobStore } from '../store/blobs.js';
import type { Store } from '../store/store.js';
import type { UnpackLimits } from '../submission/limits.js';
import type { AssignmentCatalogue } from './catalogue.js';
import type { ServiceMetrics } from './metrics.js';
import type { UploadGate } from './upload-gate.js';

export interface ApiContext {
  store: Store;
  blobs: BlobStore;
  queues: GradingQueues;
  redis: Redis;
  logger: Logger;
  catalogue: AssignmentCatalogue;
  metrics: ServiceMetrics;
  uploadLimits: UnpackLimits;
  /** Bounds on uploads in progress: validations at once, uploads per user. */
  uploadGate: UploadGate;
  /** Where upload bodies are written while they are checked (removed once answered). */
  uploadTempDir: string;
  now: () => Date;
  lms: LmsServices;
}
