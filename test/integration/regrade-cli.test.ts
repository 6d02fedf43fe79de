/**
 * `autograder regrade` in batches and `autograder report`, run as the built CLI against
 * the whole service (SQLite, real Redis, in-process worker, process sandbox, u05-softmax).
 * A stored result is made stale on purpose (as if an older grader had scored it lower) so
 * there is a score that a regrade changes back.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGradingService, type GradingService } from '../../src/cli/grading-service.js';
import type { ServiceClient } from '../../src/cli/service-client.js';
import { createLogger } from '../../src/logger.js';
import { findPackageRoot } from '../../src/package-root.js';
import { probeRedis } from '../helpers/api-service.js';
import { EXAMPLE_ASSIGNMENT, clientAs, exampleNotebook, testConfig, uniquePrefix } from '../helpers/grading-service.js';
import { requireService } from '../helpers/services.js';
import { buildCli } from '../helpers/worker-process.js';

const python = testConfig({}).python;
const pythonOk = requireService('Python for the process sandbox', existsSync(python), `${python} does not exist`);
const redisWhy = await probeRedis();
const redisOk = requireService('Redis', redisWhy === undefined, redisWhy ?? '');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe.skipIf(!(pythonOk && redisOk))('autograder regrade (batches) and report', () => {
  let dataDir: string;
  let service: GradingService;
  let entry: string;
  let instructorToken: string;
  let studentNumber: string;
  const ids: string[] = [];

  /** Runs the CLI as a child (asynchronously: the service answers from this process). */
  function cli(args: string[]): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [entry, ...args], {
        cwd: findPackageRoot(),
        env: { ...process.env, API_URL: service.url, AUTOGRADER_TOKEN: instructorToken, AUTOGRADER_SANDBOX: 'process', AUTOGRADER_PYTHON: python, LOG_LEVEL: 'silent', DATA_DIR: join(dataDir, 'cli') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  beforeAll(async () => {
    entry = buildCli();
    dataDir = mkdtempSync(join(tmpdir(), 'autograder-regrade-cli-'));
    const prefix = uniquePrefix('regrade-cli');
    service = await startGradingService({
      config: testConfig({ dataDir, databaseUrl: '', workerConcurrency: 2, workerId: prefix }),
      logger: createLogger('silent'),
      port: 0,
      prefix,
    });
    const instructor = await service.store.createUser({ role: 'instructor', name: 'Ines' });
    instructorToken = await service.store.createToken(instructor.id);
    const students: ServiceClient[] = [await clientAs(service, 'student', 'Ada'), await clientAs(service, 'student', 'Bo')];
    for (const [i, file] of ['correct.ipynb', 'wrong.ipynb', 'correct.ipynb'].entries()) {
      const accepted = await students[i % 2]!.upload(EXAMPLE_ASSIGNMENT, file, exampleNotebook(file));
      const graded = await students[i % 2]!.waitUntilSettled(accepted.id, { timeoutMs: 180_000 });
      expect(graded.status).toBe('graded');
      ids.push(accepted.id);
    }
    studentNumber = (await service.store.getUser((await service.store.getSubmission(ids[0]!))!.userId))!.studentId!;
    // An older grader's result: the first submission scored 3 points lower.
    const current = (await service.store.getCurrentResult(ids[0]!))!.report;
    const checks = current.checks.map((c) => (c.id === 'softmax.reference' ? { ...c, points: 0, status: 'failed' as const } : c));
    await service.store.recordResult(ids[0]!, { ...current, checks, score: current.score - 3 });
  }, 600_000);

  afterAll(async () => {
    await service?.worker?.close({ graceMs: 0 });
    if (service?.queues.redis.status === 'ready') await Promise.all(service.queues.all().map((q) => q.obliterate({ force: true })));
    await service?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('report prints the class as a table, CSV and JSON', async () => {
    const table = await cli(['report', '--assignment', EXAMPLE_ASSIGNMENT]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^student\s+student id\s+status\s+score/);
    expect(table.stdout).toContain('Ada');
    expect(table.stdout).toContain('11/14');
    const csv = await cli(['report', '--assignment', EXAMPLE_ASSIGNMENT, '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toContain('submission_id');
    expect(csv.stdout.trim().split('\n')).toHaveLength(4);
    const json = await cli(['report', '--assignment', EXAMPLE_ASSIGNMENT, '--format', 'json']);
    const body = JSON.parse(json.stdout) as { submissions: Array<{ id: string; score: number }> };
    expect(body.submissions.map((s) => s.id).sort()).toEqual([...ids].sort());
  });

  it('--dry-run grades here and lists the score that would change, publishing nothing', async () => {
    const resultsBefore = await Promise.all(ids.map((id) => service.store.listResults(id).then((r) => r.length)));
    const run = await cli(['regrade', '--assignment', EXAMPLE_ASSIGNMENT, '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('1 score would change:');
    expect(run.stdout).toMatch(new RegExp(`${ids[0]}\\s+Ada \\(${studentNumber}\\): 11 -> 14 / 14 \\(\\+3\\)`));
    expect(run.stdout).toContain('Dry run, nothing published: 3 submissions regraded, 1 changed, 2 unchanged, 0 failed.');
    // The progress bar went to stderr.
    expect(run.stderr).toMatch(/grading here \(dry run\) \|.*\| 3\/3/);
    const resultsAfter = await Promise.all(ids.map((id) => service.store.listResults(id).then((r) => r.length)));
    expect(resultsAfter).toEqual(resultsBefore);
    expect((await service.store.getCurrentResult(ids[0]!))!.score).toBe(11);
  });

  it("regrades one student's submissions through the service and lists the changed score", async () => {
    const run = await cli(['regrade', '--student', studentNumber, '--assignment', EXAMPLE_ASSIGNMENT, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { dryRun: boolean; regraded: number; changed: number; outcomes: Array<{ submissionId: string; before: number; after: number; changed: boolean }> };
    expect(summary).toMatchObject({ dryRun: false, regraded: 2, changed: 1 });
    expect(summary.outcomes.find((o) => o.changed)).toMatchObject({ submissionId: ids[0], before: 11, after: 14 });
    expect((await service.store.getCurrentResult(ids[0]!))!.score).toBe(14);
    expect(await service.store.listResults(ids[0]!)).toHaveLength(3);
    // Bo's submission was not in scope.
    expect(await service.store.listResults(ids[1]!)).toHaveLength(1);
  });

  it('regrades a whole assignment and one submission; nothing changed now', async () => {
    const all = await cli(['regrade', '--assignment', EXAMPLE_ASSIGNMENT]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('No score changed.');
    expect(all.stdout).toContain('3 submissions regraded, 0 changed, 3 unchanged, 0 failed.');
    expect(all.stderr).toMatch(/regrading \|.*\| 3\/3/);
    const one = await cli(['regrade', '--submission', ids[1]!]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('1 submission regraded, 0 changed');
  });

  it('refuses an unclear scope with exit code 2', async () => {
    const run = await cli(['regrade', '--student', 'x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('exactly one of');
  });
});
