/**
 * Removes sandbox containers a previous run of this worker left behind (a crash, a
 * SIGKILL, a power cut): they are found by label, never by name or image.
 */
import { coerceError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { short, type SandboxClient } from './client.js';
import { SANDBOX_LABEL, WORKER_LABEL } from './container-spec.js';

export interface ReapOptions {
  /**
   * Only this worker's containers. Leave it out only when no other worker shares the
   * engine: it would remove their running sandboxes too.
   */
  workerId?: string;
}

/** Returns how many containers were removed. */
export async function reapLeftoverContainers(client: SandboxClient, log: Logger, options: ReapOptions = {}): Promise<number> {
  const labels: Record<string, string> = { [SANDBOX_LABEL]: '1' };
  if (options.workerId !== undefined) labels[WORKER_LABEL] = options.workerId;
  const ids = await client.listByLabels(labels);
  const results = await Promise.allSettled(ids.map((id) => client.remove(id)));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (ids.length > 0) log.info({ removed: ids.length - failed.length, ids: ids.map(short) }, 'removed leftover sandbox containers');
  if (failed.length > 0) throw coerceError(failed[0]!.reason);
  return ids.length;
}
