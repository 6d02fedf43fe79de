/**
 * The Redis connection the API and the producers share. It fails fast: with Redis down,
 * a command is refused at once instead of waiting in ioredis' offline queue, so an
 * upload can be answered (and kept for the reconciler) instead of hanging.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { PlatformError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface RedisConnectionOptions {
  /** How long to wait for a TCP connection. @defaultValue 2000 (ms) */
  connectTimeoutMs?: number;
  logger?: Logger;
}

export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 2000;

/** `redis://user:secret@host:6379/0` → `redis://host:6379/0`, for messages and logs. */
export function describeRedisUrl(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return '<unparseable redis url>';
  }
}

export function producerRedisOptions(connectTimeoutMs = DEFAULT_REDIS_CONNECT_TIMEOUT_MS): RedisOptions {
  return {
    // A command sent while disconnected is refused immediately rather than queued.
    enableOfflineQueue: false,
    connectTimeout: connectTimeoutMs,
    // One retry per command: a producer answers a person; it must not wait minutes.
    maxRetriesPerRequest: 1,
    // Keep reconnecting in the background (capped at 5 s) so the service heals when Redis returns.
    retryStrategy: (times: number) => Math.min(250 * times, 5000),
  };
}

/**
 * Opens a fail-fast connection. Connection errors are logged once per outage (ioredis
 * retries every few seconds and would otherwise flood the log); callers see them as
 * refused commands.
 */
export function createRedisConnection(redisUrl: string, options: RedisConnectionOptions = {}): Redis {
  const redis = new Redis(redisUrl, producerRedisOptions(options.connectTimeoutMs));
  const where = describeRedisUrl(redisUrl);
  let down = false;
  redis.on('error', (e: Error) => {
    if (down) return;
    down = true;
    options.logger?.warn({ redis: where, err: e.message }, 'Redis is unreachable; retrying in the background');
  });
  redis.on('ready', () => {
    if (down) options.logger?.info({ redis: where }, 'Redis is reachable again');
    down = false;
  });
  return redis;
}

/**
 * Resolves once the connection is ready; throws `REDIS_UNAVAILABLE` at once when it is
 * known to be down, or after `timeoutMs` while the first connection attempt is pending.
 * BullMQ itself waits for readiness without a limit, so every producer call goes through this first.
 */
export async function waitForRedis(redis: Redis, timeoutMs = DEFAULT_REDIS_CONNECT_TIMEOUT_MS): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'end') {
    throw new PlatformError('REDIS_UNAVAILABLE', 'the Redis connection has been closed');
  }
  // Known down (a connection failed and ioredis is between retries): say so now rather
  // than making every caller wait out the timeout.
  if (redis.status === 'reconnecting' || redis.status === 'close') {
    throw new PlatformError(
      'REDIS_UNAVAILABLE',
      `Redis at ${describeRedisUrl(redisUrlOf(redis))} is unreachable (reconnecting in the background); is it running?`,
    );
  }
  if (redis.status === 'wait') void redis.connect().catch(() => undefined /* reported by the 'error' listener and the timeout below */);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(
        new PlatformError(
          'REDIS_UNAVAILABLE',
          `Redis at ${describeRedisUrl(redisUrlOf(redis))} did not answer within ${timeoutMs} ms (status ${redis.status}); is it running?`,
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/** Rejects with `REDIS_UNAVAILABLE` when `work` takes longer than `timeoutMs`. */
export async function withRedisTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PlatformError('REDIS_UNAVAILABLE', `${what} got no answer from Redis within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function redisUrlOf(redis: Redis): string {
  const o = redis.options;
  return `redis://${o.host ?? '127.0.0.1'}:${o.port ?? 6379}/${o.db ?? 0}`;
}
