import type { GradingQueues } from '../../src/queue/grading.js';

/** Removes every key a test's queue prefix left in Redis, then closes the connections. */
export async function disposeTestQueues(queues: GradingQueues, prefix: string): Promise<void> {
  await Promise.all(queues.all().map((q) => q.obliterate({ force: true })));
  const keys = await queues.redis.keys(`${prefix}:*`);
  if (keys.length > 0) await queues.redis.del(...keys);
  await queues.close();
}
