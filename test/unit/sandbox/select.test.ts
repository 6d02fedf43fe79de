import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { createSandbox } from '../../../src/sandbox/select.js';
import { startWorkerService } from '../../../worker/service.js';
import { HttpWorkerApi } from '../../../worker/api-client.js';

const silent = createLogger('silent');
/** A socket no engine answers on: what `auto` sees on a machine without Docker. */
const noEngine = { DOCKER_SOCKET: '/nonexistent/docker.sock' };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createSandbox without a Docker engine', () => {
  it('refuses under auto by default (the service), naming the way to ask for the process sandbox', async () => {
    const config = loadConfig({ ...noEngine, AUTOGRADER_SANDBOX: 'auto' });
    await expect(createSandbox(config, silent)).rejects.toMatchObject({
      kind: 'platform',
      code: 'DOCKER_UNAVAILABLE',
      message: expect.stringMatching(/does not fall back to the process sandbox.*AUTOGRADER_SANDBOX=process/),
    });
  });

  it('falls back under auto only for a local command that allows it, saying so on stderr', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const sandbox = await createSandbox(loadConfig({ ...noEngine, AUTOGRADER_SANDBOX: 'auto' }), silent, { fallBackToProcess: true });
    try {
      expect(sandbox.kind).toBe('process');
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/falling back to the process sandbox, which is NOT isolation/);
    } finally {
      await sandbox.close();
    }
  });

  it('does not fall back in production even for a local command, unless allowed', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const config = loadConfig({ ...noEngine, NODE_ENV: 'production' });
    await expect(createSandbox(config, silent, { fallBackToProcess: true })).rejects.toMatchObject({ code: 'PROCESS_SANDBOX_REFUSED' });
  });

  it('runs the process sandbox when asked for by name', async () => {
    const sandbox = await createSandbox(loadConfig({ ...noEngine, AUTOGRADER_SANDBOX: 'process' }), silent);
    try {
      expect(sandbox.kind).toBe('process');
    } finally {
      await sandbox.close();
    }
  });
});

describe('worker start-up without a Docker engine', () => {
  it('refuses to start under auto rather than grade without isolation', async () => {
    const config = loadConfig({ ...noEngine, AUTOGRADER_SANDBOX: 'auto', REDIS_URL: 'redis://127.0.0.1:1' });
    await expect(startWorkerService({ config, logger: silent, api: new HttpWorkerApi({ apiUrl: 'http://127.0.0.1:1', workerToken: 'ag_test' }) })).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
  });
});
