/**
 * /healthz: the service can grade when Redis answers, the store answers, and at least
 * one worker's heartbeat says its sandbox works. The API never probes a sandbox itself.
 */
import type { Redis } from 'ioredis';
import { coerceError } from '../errors.js';
import { withRedisTimeout } from '../queue/connection.js';
import { readWorkerHeartbeats, type HeartbeatReading } from '../queue/heartbeats.js';
import type { Health } from './schemas.js';

/** The store call used as a liveness probe (`Store` fits). */
export interface ProbeStore {
  listAssignments(): Promise<unknown[]>;
}

const PROBE_TIMEOUT_MS = 2000;

export async function checkHealth(deps: { redis: Redis; store: ProbeStore; prefix: string }): Promise<Health> {
  const [redis, store, heartbeats] = await Promise.all([
    probe(async () => {
      await withRedisTimeout(deps.redis.ping(), PROBE_TIMEOUT_MS, 'PING');
      return 'answers';
    }),
    probe(async () => {
      await withTimeout(deps.store.listAssignments(), PROBE_TIMEOUT_MS, 'the store');
      return 'answers';
    }),
    readWorkerHeartbeats(deps.redis, { prefix: deps.prefix }).then(
      (reading) => ({ ok: true as const, reading }),
      (e: unknown) => ({ ok: false as const, detail: coerceError(e).message }),
    ),
  ]);
  const workers = heartbeats.ok ? describeWorkers(heartbeats.reading) : { ok: false, detail: heartbeats.detail, live: [] };
  const ok = redis.ok && store.ok && workers.ok;
  return { status: ok ? 'ok' : 'unavailable', redis, store, workers };
}

function describeWorkers(reading: HeartbeatReading): Health['workers'] {
  const live = reading.workers.map((w) => ({
    id: w.id,
    sandbox: w.sandbox.backend,
    sandboxOk: w.sandbox.ok,
    gpu: w.gpu,
    concurrency: w.concurrency,
    at: w.at,
  }));
  const working = reading.workers.filter((w) => w.sandbox.ok);
  const gpu = working.filter((w) => w.gpu).length;
  const malformed = reading.malformed.length > 0 ? `; ${reading.malformed.length} malformed heartbeat key(s): ${reading.malformed.map((m) => m.key).join(', ')}` : '';
  if (working.length > 0) {
    return { ok: true, detail: `${working.length} worker(s) with a working sandbox (${gpu} with a GPU)${malformed}`, live };
  }
  if (reading.workers.length > 0) {
    const why = reading.workers.map((w) => `${w.id}: ${w.sandbox.backend} sandbox failing${w.sandbox.detail ? ` (${w.sandbox.detail})` : ''}`).join('; ');
    return { ok: false, detail: `no worker has a working sandbox: ${why}${malformed}`, live };
  }
  return { ok: false, detail: `no worker heartbeat in Redis: start one with "autograder worker"${malformed}`, live };
}

async function probe(check: () => Promise<string>): Promise<{ ok: boolean; detail: string }> {
  try {
    return { ok: true, detail: await check() };
  } catch (e) {
    return { ok: false, detail: coerceError(e).message };
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
