/**
 * DockerSandbox's steps over a fake engine: the outcome of every way a run can end,
 * and that the container is removed on each of them; the warm pool.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/logger.js';
import { DockerSandbox } from '../../../../src/sandbox/docker/docker-sandbox.js';
import type { HarnessResponse } from '../../../../src/sandbox/protocol.js';
import { FakeSandboxClient, type FakeBehaviour, type FakeContainer } from '../../../helpers/fake-sandbox-client.js';
import { TEST_LIMITS, jobFor, notebookJson } from '../../../helpers/sandbox-jobs.js';

const log = createLogger('silent');
const RESPONSE: HarnessResponse = { v: 1, cells: [{ index: 0, status: 'ok', ms: 1 }], kernelRestarts: 0, calls: [], totalTimeout: false, harnessErrors: [] };

function respond(text: string, code = 0): FakeBehaviour['onRequest'] {
  return (c: FakeContainer) => {
    c.stdout.write(text);
    c.exit(code);
  };
}

async function sandboxWith(behaviour: FakeBehaviour, options: { poolSize?: number; graceS?: number } = {}) {
  const client = new FakeSandboxClient(behaviour);
  const sandbox = await DockerSandbox.open({
    client, log, image: 'img', limits: TEST_LIMITS, gpuCount: 1, poolSize: options.poolSize ?? 0, workerId: 'w', graceS: options.graceS ?? 0,
  });
  return { client, sandbox };
}

const job = () => jobFor(notebookJson(['x = 1']), { limits: { totalTimeoutS: 0.2 } });

describe('DockerSandbox run outcomes', () => {
  it('completed: the response is parsed, files went in before the request, the container is removed', async () => {
    const { client, sandbox } = await sandboxWith({ onRequest: respond(JSON.stringify(RESPONSE)) });
    const run = await sandbox.run(job());
    expect(run).toMatchObject({ outcome: 'completed', response: RESPONSE, exitCode: 0 });
    expect(client.containers[0]!.archives.map((a) => a.path)).toEqual(['/work']);
    expect(client.calls.map((c) => c.split(' ')[0])).toEqual(['create', 'start', 'put', 'remove']);
    expect(client.live).toEqual([]);
  });

  it('timeout: a container that does not end by the deadline is killed and removed', async () => {
    const { client, sandbox } = await sandboxWith({ onRequest: () => {} });
    const run = await sandbox.run(job());
    expect(run.outcome).toBe('timeout');
    expect(run.response).toBeUndefined();
    expect(client.calls.some((c) => c.startsWith('kill'))).toBe(true);
    expect(client.live).toEqual([]);
  });

  it('output_limit: stdout past the cap kills the container', async () => {
    const huge = 'x'.repeat(TEST_LIMITS.maxResponseBytes + 1);
    const { client, sandbox } = await sandboxWith({ onRequest: (c) => { c.stdout.write(huge); } });
    const run = await sandbox.run(jobFor(notebookJson([])));
    expect(run.outcome).toBe('output_limit');
    expect(client.live).toEqual([]);
  });

  it('oom: killed for memory before any response', async () => {
    const { client, sandbox } = await sandboxWith({ onRequest: (c) => { c.oomKilled = true; c.exit(137); } });
    const run = await sandbox.run(job());
    expect(run).toMatchObject({ outcome: 'oom', exitCode: 137 });
    expect(client.live).toEqual([]);
  });

  it('completed with a note when the kernel was killed for memory but the harness answered', async () => {
    const { sandbox } = await sandboxWith({ onRequest: (c) => { c.oomKilled = true; respond(JSON.stringify(RESPONSE))!(c, ''); } });
    const run = await sandbox.run(job());
    expect(run.outcome).toBe('completed');
    expect(run.detail).toMatch(/memory limit/);
  });

  it('crashed: output that is not a response', async () => {
    const { client, sandbox } = await sandboxWith({ onRequest: (c) => { c.stderr.write('Traceback: boom\n'); respond('{"v": 1, "forged": true}', 1)!(c, ''); } });
    const run = await sandbox.run(job());
    expect(run.outcome).toBe('crashed');
    expect(run.detail).toMatch(/does not match the protocol/);
    expect(run.stderrTail).toContain('Traceback: boom');
    expect(client.live).toEqual([]);
  });

  it('no_gpu: the engine cannot select the NVIDIA driver; the container is removed', async () => {
    const startError = Object.assign(new Error('(HTTP code 500) server error - could not select device driver "nvidia" with capabilities: [[gpu]]'), { statusCode: 500 });
    const { client, sandbox } = await sandboxWith({ startError });
    const run = await sandbox.run({ ...job(), gpu: true });
    expect(run).toMatchObject({ outcome: 'no_gpu', detail: 'this assignment needs a GPU worker' });
    expect(client.containers[0]!.spec.HostConfig?.DeviceRequests).toHaveLength(1);
    expect(client.live).toEqual([]);
  });

  it('a start failure of the engine is thrown (to be retried) after the container is removed', async () => {
    const { client, sandbox } = await sandboxWith({ startError: new Error('OCI runtime create failed') });
    await expect(sandbox.run(job())).rejects.toMatchObject({ code: 'DOCKER_START_FAILED' });
    expect(client.live).toEqual([]);
  });

  it('a copy failure into a running container is thrown after the container is removed', async () => {
    const { client, sandbox } = await sandboxWith({ putArchiveError: new Error('engine hiccup') });
    await expect(sandbox.run(job())).rejects.toMatchObject({ code: 'DOCKER_COPY_FAILED' });
    expect(client.live).toEqual([]);
  });

  it('an invalid request is refused before any container exists', async () => {
    const { client, sandbox } = await sandboxWith({});
    const bad = jobFor(notebookJson([]));
    (bad.request as { v: number }).v = 99;
    await expect(sandbox.run(bad)).rejects.toMatchObject({ code: 'BAD_HARNESS_REQUEST' });
    expect(client.containers).toEqual([]);
  });

  it('returns the result without waiting for the container to be removed; close() waits for removals', async () => {
    const client = new SlowRemovalClient({ onRequest: respond(JSON.stringify(RESPONSE)) });
    const sandbox = await DockerSandbox.open({ client, log, image: 'img', limits: TEST_LIMITS, gpuCount: 1, poolSize: 0, workerId: 'w', graceS: 0 });
    const run = await sandbox.run(job());
    expect(run.outcome).toBe('completed');
    expect(client.calls.at(-1)).toMatch(/^remove /);
    expect(sandbox.pendingRemovals).toBe(1);
    let closed = false;
    const closing = sandbox.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    client.finishRemovals();
    await closing;
    expect(sandbox.pendingRemovals).toBe(0);
    expect(client.live).toEqual([]);
  });

  it('removes leftovers of its own worker when opened', async () => {
    const client = new FakeSandboxClient();
    await client.create({ Labels: { 'autograder.sandbox': '1', 'autograder.worker': 'w' } });
    await client.create({ Labels: { 'autograder.sandbox': '1', 'autograder.worker': 'other' } });
    await DockerSandbox.open({ client, log, image: 'img', limits: TEST_LIMITS, gpuCount: 1, poolSize: 0, workerId: 'w' });
    expect(client.live.map((c) => c.spec.Labels?.['autograder.worker'])).toEqual(['other']);
  });
});

describe('DockerSandbox warm pool', () => {
  it('hands each warm container to one job, replaces it, and removes all on close', async () => {
    const { client, sandbox } = await sandboxWith({ onRequest: respond(JSON.stringify(RESPONSE)) }, { poolSize: 2 });
    await until(() => sandbox.warmContainers === 2);
    const first = await sandbox.run(job());
    expect(first.outcome).toBe('completed');
    const used = client.containers.filter((c) => c.archives.length > 0);
    expect(used).toHaveLength(1);
    expect(used[0]!.spec.Labels?.['autograder.pooled']).toBe('1');
    expect(used[0]!.removed).toBe(true);
    await until(() => sandbox.warmContainers === 2);
    expect(client.containers).toHaveLength(3);
    await sandbox.close();
    expect(client.live).toEqual([]);
  });

  it('gives GPU jobs and jobs with other limits a container of their own', async () => {
    const { client, sandbox } = await sandboxWith({ onRequest: respond(JSON.stringify(RESPONSE)) }, { poolSize: 1 });
    await until(() => sandbox.warmContainers === 1);
    await sandbox.run({ ...job(), limits: { memoryMb: TEST_LIMITS.memoryMb * 2 } });
    expect(sandbox.warmContainers).toBe(1);
    const own = client.containers.find((c) => c.archives.length > 0)!;
    expect(own.spec.Labels?.['autograder.pooled']).toBe('0');
    expect(own.spec.HostConfig?.Memory).toBe(TEST_LIMITS.memoryMb * 2 * 1024 * 1024);
    await sandbox.close();
    expect(client.live).toEqual([]);
  });

  it('never hands out a warm container that died while waiting', async () => {
    const { client, sandbox } = await sandboxWith({ onRequest: respond(JSON.stringify(RESPONSE)) }, { poolSize: 1 });
    await until(() => sandbox.warmContainers === 1);
    const dead = client.live[0]!;
    dead.exit(1);
    await new Promise((r) => setImmediate(r));
    const run = await sandbox.run(job());
    expect(run.outcome).toBe('completed');
    expect(dead.archives).toEqual([]);
    expect(dead.removed).toBe(true);
    await sandbox.close();
    expect(client.live).toEqual([]);
  });
});

/** An engine whose container removals hang until the test lets them finish. */
class SlowRemovalClient extends FakeSandboxClient {
  private readonly held: Array<() => void> = [];

  override async remove(id: string): Promise<void> {
    this.calls.push(`remove ${id.slice(-4)}`);
    await new Promise<void>((resolve) => this.held.push(resolve));
    const c = this.containers.find((x) => x.id === id);
    if (c && !c.removed) {
      c.exit(137);
      c.removed = true;
    }
  }

  finishRemovals(): void {
    for (const release of this.held.splice(0)) release();
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}
