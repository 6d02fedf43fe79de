/**
 * The whole grading service (API, store, queues, in-process or child-process workers)
 * on real parts for integration tests and the service benchmark.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { GradingService } from '../../src/cli/grading-service.js';
import { ServiceClient } from '../../src/cli/service-client.js';
import { loadConfig, type Config } from '../../src/config.js';
import { findPackageRoot } from '../../src/package-root.js';
import type { Role } from '../../src/store/rows.js';
import type { Store } from '../../src/store/store.js';

export const EXAMPLE_ASSIGNMENT = 'u05-softmax';

/** An example notebook's bytes. @defaultValue u05-softmax's correct.ipynb */
export function exampleNotebook(file = 'correct.ipynb', assignment = EXAMPLE_ASSIGNMENT): Buffer {
  return readFileSync(join(findPackageRoot(), 'graders', assignment, 'examples', file));
}

/**
 * The correct u05-softmax notebook with a first cell that sleeps, so a test can act while
 * a worker is busy with it. The sleep stays well under the cell time limit.
 */
export function slowNotebook(seconds: number): Buffer {
  const notebook = JSON.parse(exampleNotebook().toString('utf8')) as { cells: unknown[] };
  notebook.cells.unshift({
    cell_type: 'code',
    id: `sleep-${randomUUID().slice(0, 8)}`,
    metadata: {},
    execution_count: null,
    outputs: [],
    source: `import time\ntime.sleep(${seconds})`,
  });
  return Buffer.from(JSON.stringify(notebook));
}

/** The process sandbox (no Docker image needed), quiet logs, everything else from `overrides`. */
export function testConfig(overrides: Partial<Config>): Config {
  return { ...loadConfig({}), sandbox: 'process', workerToken: '', logLevel: 'silent', ...overrides };
}

/** A user of the role with a fresh token, and a client speaking for them. */
export async function clientAs(service: Pick<GradingService, 'url' | 'store'>, role: Role, name = `${role} ${randomUUID().slice(0, 6)}`): Promise<ServiceClient> {
  const user = await service.store.createUser({ role, name, studentId: role === 'student' ? `s-${randomUUID()}` : undefined });
  return new ServiceClient({ apiUrl: service.url, token: await service.store.createToken(user.id) });
}

/** How many results of the submission are current (the invariant: exactly one once graded). */
export async function currentResultCount(store: Store, submissionId: string): Promise<number> {
  return (await store.listResults(submissionId)).filter((r) => r.isCurrent).length;
}

/** A queue prefix no other test file or deployment uses. */
export function uniquePrefix(name: string): string {
  return `test-${name}-${randomUUID().slice(0, 8)}`;
}
