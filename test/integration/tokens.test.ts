/**
 * Token lifecycle from the operator's side: `tokens create --expires-in`, `tokens list`,
 * `tokens revoke <id>` on a real SQLite store, the API refusing expired and revoked
 * tokens, and `serve --no-worker` making no worker token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGradingService } from '../../src/cli/grading-service.js';
import { parseDuration } from '../../src/cli/duration.js';
import { tokensCreateCommand, tokensListCommand, tokensRevokeCommand } from '../../src/cli/tokens-command.js';
import { createLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/store.js';
import { probeRedis } from '../helpers/api-service.js';
import { testConfig, uniquePrefix } from '../helpers/grading-service.js';
import { requireService } from '../helpers/services.js';

const logger = createLogger('silent');
const redisProblem = await probeRedis();
const haveRedis = requireService('Redis', redisProblem === undefined, redisProblem ?? '');

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'autograder-tokens-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs a command and returns what it printed on stdout and stderr. */
async function run(command: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    return { code: await command(), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('autograder tokens', () => {
  it('creates an expiring token, lists it by id without its secret, and revokes it by id', async () => {
    const config = testConfig({ dataDir, databaseUrl: '' });
    const created = await run(() => tokensCreateCommand({ role: 'worker', name: 'gpu-box-1', expiresIn: '30d' }, config, logger));
    expect(created.code).toBe(0);
    const token = created.stdout.trim().split('\n').at(-1)!;
    const id = /API token ([0-9a-f]{16}) /.exec(created.stderr)?.[1];
    expect(id).toBeDefined();
    expect(created.stderr).toMatch(/expires \d{4}-/);

    const listed = await run(() => tokensListCommand({ json: true }, config, logger));
    const rows = JSON.parse(listed.stdout) as Array<{ id: string; role: string; userName: string; expiresAt: string; revoked: boolean }>;
    const row = rows.find((r) => r.id === id)!;
    expect(row).toMatchObject({ role: 'worker', userName: 'gpu-box-1', revoked: false });
    const days = (new Date(row.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect(listed.stdout).not.toContain(token.slice(3));
    expect((await run(() => tokensListCommand({}, config, logger))).stdout).toMatch(new RegExp(`${id}\\s+worker\\s+active`));

    expect((await run(() => tokensRevokeCommand(id!, config, logger))).code).toBe(0);
    const store = await openStore(config);
    try {
      expect(await store.authenticate(token)).toBeUndefined();
    } finally {
      await store.close();
    }
    expect((await run(() => tokensListCommand({}, config, logger))).stdout).toMatch(new RegExp(`${id}\\s+worker\\s+revoked`));
    await expect(tokensRevokeCommand('0123456789abcdef', config, logger)).rejects.toMatchObject({ code: 'TOKEN_NOT_FOUND' });
    await expect(tokensRevokeCommand('not-an-id', config, logger)).rejects.toMatchObject({ code: 'BAD_TOKEN_ID' });
  });

  it('reads --expires-in as minutes, hours, days or weeks and refuses anything else', () => {
    expect(parseDuration('90m', '--expires-in')).toBe(90 * 60_000);
    expect(parseDuration('12h', '--expires-in')).toBe(12 * 3_600_000);
    expect(parseDuration('30d', '--expires-in')).toBe(30 * 86_400_000);
    expect(parseDuration('2w', '--expires-in')).toBe(14 * 86_400_000);
    for (const bad of ['30', '0d', '-1d', '1.5d', '1y', '']) expect(() => parseDuration(bad, '--expires-in')).toThrow(/--expires-in/);
  });
});

describe.skipIf(!haveRedis)('serve and worker tokens', () => {
  it('--no-worker makes no worker token; an expired token is refused, and a worker token works on worker routes only', async () => {
    const noWorkerDir = mkdtempSync(join(tmpdir(), 'autograder-noworker-'));
    const service = await startGradingService({ config: testConfig({ dataDir: noWorkerDir, databaseUrl: '' }), logger, port: 0, worker: false, prefix: uniquePrefix('tokens') });
    try {
      expect(service.workerToken).toBeUndefined();
      expect(service.remoteWorkerToken).toBeUndefined();
      expect(service.adminToken).toBeDefined();
      const roles = (await service.store.tokens.list()).map((t) => t.role);
      expect(roles).toEqual(['admin']);

      // An expired token is refused like an unknown one (before expiry the store tests show it works, on a manual clock).
      const student = await service.store.createUser({ role: 'student', name: 'Expiring' });
      const soon = await service.store.issueToken(student.id, { expiresAt: new Date(Date.now() + 500) });
      while (Date.now() <= soon.expiresAt!.getTime()) await new Promise((resolve) => setTimeout(resolve, 100));
      const expired = await fetch(`${service.url}/api/assignments`, { headers: { authorization: `Bearer ${soon.token}` } });
      expect(expired.status).toBe(401);
      expect(await expired.json()).toMatchObject({ error: 'INVALID_TOKEN' });

      // A worker token is for worker routes only.
      const worker = await service.store.createUser({ role: 'worker', name: 'w' });
      const workerToken = await service.store.createToken(worker.id);
      const read = await fetch(`${service.url}/api/assignments`, { headers: { authorization: `Bearer ${workerToken}` } });
      expect(read.status).toBe(403);
    } finally {
      await service.close();
      rmSync(noWorkerDir, { recursive: true, force: true });
    }
  });
});
