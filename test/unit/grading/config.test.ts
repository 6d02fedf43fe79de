import { describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from '../../../src/config.js';

describe('config', () => {
  it('has defaults for every key', () => {
    const config = loadConfig({});
    expect(config.sandbox).toBe('auto');
    expect(config.sandboxLimits.memoryMb).toBe(2048);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('maps environment variables explicitly and coerces numbers', () => {
    const config = loadConfig({ AUTOGRADER_PYTHON: '/opt/py/bin/python3', SANDBOX_CELL_TIMEOUT_S: '7', PORT: '8080' });
    expect(config.python).toBe('/opt/py/bin/python3');
    expect(config.sandboxLimits.cellTimeoutS).toBe(7);
    expect(config.port).toBe(8080);
  });

  it('fails fast with the key that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/port/);
    expect(() => loadConfig({ AUTOGRADER_SANDBOX: 'vm' })).toThrow(/sandbox/);
  });

  it('refuses the process sandbox in production unless allowed', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).allowProcessSandbox).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', AUTOGRADER_ALLOW_PROCESS_SANDBOX: 'true' }).allowProcessSandbox).toBe(true);
  });

  it('allows the process sandbox in production only for exactly `true`: empty is not true', () => {
    expect(loadConfig({ NODE_ENV: 'production', AUTOGRADER_ALLOW_PROCESS_SANDBOX: '' }).allowProcessSandbox).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', AUTOGRADER_ALLOW_PROCESS_SANDBOX: 'false' }).allowProcessSandbox).toBe(false);
    expect(() => loadConfig({ NODE_ENV: 'production', AUTOGRADER_ALLOW_PROCESS_SANDBOX: 'yes' })).toThrow(/allowProcessSandbox/);
    expect(loadConfig({}).allowProcessSandbox).toBe(false);
  });

  it('reads every variable the program uses through the schema', () => {
    const config = loadConfig({
      LOG_LEVEL: 'debug',
      AUTOGRADER_TOKEN: 'ag_student',
      AUTOGRADER_ADMIN_TOKEN: 'ag_admin',
      AUTOGRADER_SANDBOX_BUILD: 'registry',
      AUTOGRADER_TENSOR_BACKEND: 'cpu',
    });
    expect(config).toMatchObject({ logLevel: 'debug', apiToken: 'ag_student', adminToken: 'ag_admin', sandboxBuild: 'registry', tensorBackend: 'cpu' });
    expect(loadConfig({})).toMatchObject({ logLevel: 'info', apiToken: '', adminToken: '', sandboxBuild: 'offline', tensorBackend: 'auto' });
    expect(() => loadConfig({ AUTOGRADER_TENSOR_BACKEND: 'gpu' })).toThrow(/tensorBackend/);
    expect(() => loadConfig({ AUTOGRADER_SANDBOX_BUILD: 'cloud' })).toThrow(/sandboxBuild/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/logLevel/);
  });

  it('redacts secrets for logs', () => {
    const redacted = redactConfig(loadConfig({ WORKER_TOKEN: 'ag_secret', DATABASE_URL: 'postgres://u:p@h/db' }));
    expect(JSON.stringify(redacted)).not.toMatch(/ag_secret|u:p@/);
    const tokens = redactConfig(loadConfig({ AUTOGRADER_TOKEN: 'ag_mine', AUTOGRADER_ADMIN_TOKEN: 'ag_boss' }));
    expect(JSON.stringify(tokens)).not.toMatch(/ag_mine|ag_boss/);
  });
});
