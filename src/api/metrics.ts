/**
 * Prometheus metrics of the service, in a registry of its own per app (so two apps in one
 * process, as in tests, do not clash). Queue depth is read from Redis at scrape time.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { coerceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { queueDepth, type GradingQueues, type QueueDepth } from '../queue/grading.js';

export type GradingOutcome = 'graded' | 'not_gradable' | 'failed';

export interface ServiceMetrics {
  readonly registry: Registry;
  /** One upload answered; `assignment` is "unknown" for ids that are not installed. */
  upload(assignment: string, outcome: 'accepted' | 'refused'): void;
  /** A result or a failure recorded for a submission. */
  outcome(assignment: string, outcome: GradingOutcome): void;
  /** How long the grading itself took (the report's own timing). */
  gradingDuration(assignment: string, seconds: number): void;
  /** From upload to recorded result, queueing included. */
  turnaround(assignment: string, seconds: number): void;
}

const GRADING_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
const TURNAROUND_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export function createMetrics(queues: GradingQueues, logger: Logger): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'autograder_' });

  const uploads = new Counter({
    name: 'autograder_uploads_total',
    help: 'Uploads answered, by assignment and outcome (accepted or refused).',
    labelNames: ['assignment', 'outcome'] as const,
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'autograder_grading_outcomes_total',
    help: 'Grading outcomes recorded: graded, not_gradable (a student error) or failed (platform or grader).',
    labelNames: ['assignment', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'autograder_grading_duration_seconds',
    help: 'Time spent grading one submission, as the worker measured it.',
    labelNames: ['assignment'] as const,
    buckets: GRADING_BUCKETS,
    registers: [registry],
  });
  const turnaround = new Histogram({
    name: 'autograder_submission_turnaround_seconds',
    help: 'Time from upload to a recorded result.',
    labelNames: ['assignment'] as const,
    buckets: TURNAROUND_BUCKETS,
    registers: [registry],
  });
  // Both queue gauges are collected in parallel during one scrape; they share one reading.
  let reading: Promise<Array<{ queue: string; depth: QueueDepth | undefined }>> | undefined;
  const readQueues = () => {
    reading ??= Promise.all(
      queues.all().map(async (queue) => {
        try {
          return { queue: queue.name, depth: await queueDepth(queue) };
        } catch (e) {
          // A scrape must still answer when Redis is down; the outage shows as queue_up 0.
          logger.warn({ queue: queue.name, err: coerceError(e).message }, 'could not read queue depth for /metrics');
          return { queue: queue.name, depth: undefined };
        }
      }),
    ).finally(() => setImmediate(() => (reading = undefined)));
    return reading;
  };
  new Gauge({
    name: 'autograder_queue_jobs',
    help: 'Jobs in each grading queue by state.',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { queue, depth } of await readQueues()) {
        for (const [state, n] of Object.entries(depth ?? {})) this.set({ queue, state }, n);
      }
    },
  });
  new Gauge({
    name: 'autograder_queue_up',
    help: '1 when the queue could be read at this scrape, 0 when Redis did not answer.',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      for (const { queue, depth } of await readQueues()) this.set({ queue }, depth === undefined ? 0 : 1);
    },
  });

  return {
    registry,
    upload: (assignment, outcome) => uploads.inc({ assignment, outcome }),
    outcome: (assignment, outcome) => outcomes.inc({ assignment, outcome }),
    gradingDuration: (assignment, seconds) => duration.observe({ assignment }, seconds),
    turnaround: (assignment, seconds) => turnaround.observe({ assignment }, seconds),
  };
}
