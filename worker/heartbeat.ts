/**
 * Publishes this worker's health to Redis every few seconds (schema and key in
 * src/queue/heartbeats.ts). A worker that dies stops beating and its key expires.
 */
import type { Redis } from 'ioredis';
import { coerceError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import { HEARTBEAT_INTERVAL_MS, clearWorkerHeartbeat, writeWorkerHeartbeat, type WorkerHeartbeat } from '../src/queue/heartbeats.js';
import type { SandboxKind } from '../src/sandbox/sandbox.js';
import type { SandboxHealth } from './sandbox-health.js';

export interface HeartbeatOptions {
  redis: Redis;
  prefix: string;
  id: string;
  sandboxKind: SandboxKind;
  probe: () => Promise<SandboxHealth>;
  gpu: boolean;
  concurrency: number;
  logger: Logger;
  /** @defaultValue HEARTBEAT_INTERVAL_MS */
  intervalMs?: number;
}

export interface RunningHeartbeat {
  /** Stops beating and removes the key, so /healthz stops counting this worker at once. */
  stop(): Promise<void>;
}

export function startHeartbeat(options: HeartbeatOptions): RunningHeartbeat {
  const startedAt = new Date().toISOString();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let failing = false;

  const beat = async (): Promise<void> => {
    const health = await options.probe().catch((e: unknown) => ({ ok: false, detail: coerceError(e).message }));
    const heartbeat: WorkerHeartbeat = {
      id: options.id,
      sandbox: { backend: options.sandboxKind, ok: health.ok, ...(health.detail ? { detail: health.detail.slice(0, 2000) } : {}) },
      gpu: options.gpu,
      concurrency: options.concurrency,
      startedAt,
      at: new Date().toISOString(),
    };
    try {
      await writeWorkerHeartbeat(options.redis, heartbeat, { prefix: options.prefix });
      if (failing) options.logger.info('heartbeats reach Redis again');
      failing = false;
    } catch (e) {
      // Once per outage: the BullMQ connection reports Redis being down already.
      if (!failing) options.logger.warn({ err: coerceError(e).message }, 'could not write the worker heartbeat; retrying');
      failing = true;
    }
  };
  const tick = () => {
    current = beat().finally(() => {
      if (!stopped) {
        timer = setTimeout(tick, options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
        timer.unref();
      }
    });
  };
  tick();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
      await clearWorkerHeartbeat(options.redis, options.id, { prefix: options.prefix }).catch((e: unknown) => {
        options.logger.debug({ err: coerceError(e).message }, 'could not remove the heartbeat; it expires by itself');
      });
    },
  };
}
