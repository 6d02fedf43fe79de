import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { Logger } from '../../../src/logger.js';
import { harnessDir } from '../../../src/sandbox/harness-path.js';
import { createProcessSandbox } from '../../../src/sandbox/process-sandbox.js';

function fakeLogger() {
  const warn = vi.fn();
  return { logger: { warn } as unknown as Logger, warn };
}

describe('createProcessSandbox', () => {
  it('refuses in production unless explicitly allowed', () => {
    const { logger } = fakeLogger();
    expect(() => createProcessSandbox(loadConfig({ NODE_ENV: 'production' }), logger))
      .toThrow(expect.objectContaining({ kind: 'usage', code: 'PROCESS_SANDBOX_REFUSED', message: expect.stringMatching(/docker/) }));
    const allowed = loadConfig({ NODE_ENV: 'production', AUTOGRADER_ALLOW_PROCESS_SANDBOX: 'true' });
    expect(createProcessSandbox(allowed, logger).kind).toBe('process');
  });

  it('warns loudly, once per process, that it is not isolation', async () => {
    vi.resetModules(); // a fresh module: the test before may have warned already
    const fresh = await import('../../../src/sandbox/process-sandbox.js');
    const { logger, warn } = fakeLogger();
    fresh.createProcessSandbox(loadConfig({}), logger);
    fresh.createProcessSandbox(loadConfig({}), logger);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![1]).toMatch(/NOT ISOLATED/);
  });
});

describe('harnessDir', () => {
  it('is the absolute folder of harness.py and its helpers', () => {
    const dir = harnessDir();
    expect(isAbsolute(dir)).toBe(true);
    for (const file of ['harness.py', 'kernel_session.py', 'kernel_launch.py', 'call_helper.py']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
  });
});
