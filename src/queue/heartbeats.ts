/**
 * Worker heartbeats: each worker writes its health to `<prefix>:worker:<id>` every
 * {@link HEARTBEAT_INTERVAL_MS} with a TTL of {@link HEARTBEAT_TTL_S}, so a worker that dies
 * disappears on its own. The API's /healthz reads them: the API never touches a sandbox
 * itself (DESIGN.md section 2), so the workers say whether theirs works.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PlatformError, coerceError } from '../errors.js';
import { DEFAULT_QUEUE_PREFIX } from './grading.js';

/** @defaultValue 30 s: three missed beats and the worker is gone. */
export const HEARTBEAT_TTL_S = 30;
/** @defaultValue 10 s */
export const HEARTBEAT_INTERVAL_MS = 10_000;

const WorkerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,120}$/, 'letters, digits, dot, dash and underscore (it becomes part of a Redis key)');

export const WorkerHeartbeatSchema = z.object({
  id: WorkerIdSchema,
  sandbox: z.object({
    /** The backend this worker grades with. */
    backend: z.enum(['docker', 'process']),
    /** Whether its last probe (Docker ping and image present, or the interpreter starting) succeeded. */
    ok: z.boolean(),
    /** What failed, when `ok` is false. */
    detail: z.string().max(2000).optional(),
  }),
  /** Whether it consumes the GPU queue. */
  gpu: z.boolean(),
  concurrency: z.number().int().positive(),
  /** ISO 8601. */
  startedAt: z.iso.datetime(),
  /** ISO 8601, when this beat was written. */
  at: z.iso.datetime(),
});
export type WorkerHeartbeat = z.infer<typeof WorkerHeartbeatSchema>;

export function heartbeatKey(workerId: string, prefix = DEFAULT_QUEUE_PREFIX): string {
  return `${prefix}:worker:${WorkerIdSchema.parse(workerId)}`;
}

/** Writes one beat (validated) with its TTL. The worker calls it every HEARTBEAT_INTERVAL_MS. */
export async function writeWorkerHeartbeat(
  redis: Redis,
  heartbeat: WorkerHeartbeat,
  options: { prefix?: string; ttlS?: number } = {},
): Promise<void> {
  const beat = WorkerHeartbeatSchema.parse(heartbeat);
  await redis.set(heartbeatKey(beat.id, options.prefix), JSON.stringify(beat), 'EX', options.ttlS ?? HEARTBEAT_TTL_S);
}

/** Removes a worker's beat on a clean shutdown, so /healthz does not count it for the rest of its TTL. */
export async function clearWorkerHeartbeat(redis: Redis, workerId: string, options: { prefix?: string } = {}): Promise<void> {
  await redis.del(heartbeatKey(workerId, options.prefix));
}

export interface HeartbeatReading {
  workers: WorkerHeartbeat[];
  /** Keys under the heartbeat prefix whose value is not a valid heartbeat (written by other code). */
  malformed: Array<{ key: string; reason: string }>;
}

/** Every live worker's last beat, ordered by id. Throws REDIS_UNAVAILABLE when Redis does not answer. */
export async function readWorkerHeartbeats(redis: Redis, options: { prefix?: string } = {}): Promise<HeartbeatReading> {
  const pattern = `${options.prefix ?? DEFAULT_QUEUE_PREFIX}:worker:*`;
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    const unique = [...new Set(keys)].sort();
    const values = unique.length === 0 ? [] : await redis.mget(...unique);
    const reading: HeartbeatReading = { workers: [], malformed: [] };
    unique.forEach((key, i) => {
      const raw = values[i];
      // The key expired between SCAN and MGET: the worker is gone, which is not malformed.
      if (raw === null || raw === undefined) return;
      const parsed = parseHeartbeat(raw);
      if (parsed.success) reading.workers.push(parsed.data);
      else reading.malformed.push({ key, reason: parsed.reason });
    });
    reading.workers.sort((a, b) => a.id.localeCompare(b.id));
    return reading;
  } catch (e) {
    throw new PlatformError('REDIS_UNAVAILABLE', `could not read worker heartbeats from Redis: ${coerceError(e).message}`, { cause: e });
  }
}

function parseHeartbeat(raw: string): { success: true; data: WorkerHeartbeat } | { success: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    return { success: false, reason: `not JSON: ${coerceError(e).message}` };
  }
  const parsed = WorkerHeartbeatSchema.safeParse(json);
  if (parsed.success) return { success: true, data: parsed.data };
  return { success: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
}
