/**
 * The LMS loop through `autograder serve`'s service on real parts: a signed webhook from
 * the loopback LMS brings in the real u05 example, the in-process worker grades it in the
 * process sandbox, and the score arrives at the LMS by LTI AGS exactly once, through the
 * passback worker the service runs.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGradingService, type GradingService } from '../../src/cli/grading-service.js';
import { createIntegration } from '../../src/lms/integrations.js';
import { SecretBox } from '../../src/lms/secret-box.js';
import { signedHeaders } from '../../src/lms/signature.js';
import { createLogger } from '../../src/logger.js';
import { REDIS_URL, probeRedis, sqliteBackend } from '../helpers/api-service.js';
import { startFakeLms, type FakeLms } from '../helpers/fake-lms.js';
import { EXAMPLE_ASSIGNMENT, exampleNotebook, testConfig, uniquePrefix } from '../helpers/grading-service.js';
import { requireService } from '../helpers/services.js';

const python = testConfig({}).python;
const pythonOk = requireService('Python for the process sandbox', existsSync(python), `${python} does not exist`);
const redisWhy = await probeRedis();
const redisOk = requireService('Redis', redisWhy === undefined, redisWhy ?? '');

describe.skipIf(!(pythonOk && redisOk))('the LMS loop through the grading service', () => {
  let service: GradingService;
  let lms: FakeLms;
  let destroy: () => Promise<void>;
  let dataDir: string;

  beforeAll(async () => {
    const db = await sqliteBackend.create();
    dataDir = db.dataDir;
    const prefix = uniquePrefix('lms-service');
    lms = await startFakeLms({ jwksUrl: () => `${service.url}/.well-known/jwks.json` });
    const config = testConfig({ dataDir: db.dataDir, databaseUrl: '', redisUrl: REDIS_URL, workerConcurrency: 1, workerId: prefix });
    service = await startGradingService({ config, logger: createLogger('silent'), port: 0, prefix });
    destroy = async () => {
      await service.worker?.close({ graceMs: 0 });
      if (service.queues.redis.status === 'ready') await Promise.all(service.queues.all().map((q) => q.obliterate({ force: true })));
      await service.close();
      await lms.close();
      await db.destroy();
    };
  });
  afterAll(async () => {
    await destroy?.();
  });

  it('grades a webhook submission and passes the score back by AGS once', async () => {
    const box = SecretBox.forConfig({ dataDir });
    const { integration, secret } = await createIntegration(service.store.lms, box, {
      name: 'moodle',
      lti: { clientId: lms.clientId, tokenUrl: lms.tokenUrl, lineItems: {} },
    });
    const form = new FormData();
    form.append('assignment', EXAMPLE_ASSIGNMENT);
    form.append('user', 'moodle-user-77');
    form.append('submission', 'moodle-sub-1');
    form.append('lineitem', lms.lineItemUrl('u05'));
    form.append('file', new Blob([new Uint8Array(exampleNotebook())]), 'correct.ipynb');
    const request = new Request('http://x/', { method: 'POST', body: form });
    const body = Buffer.from(await request.arrayBuffer());
    const response = await fetch(`${service.url}/api/lms/${integration.id}/submissions`, {
      method: 'POST',
      headers: { ...signedHeaders(secret, body), 'content-type': request.headers.get('content-type')! },
      body,
    });
    const accepted = (await response.json()) as { id: string };
    expect(response.status, JSON.stringify(accepted)).toBe(202);

    const deadline = Date.now() + 180_000;
    while (lms.scores.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const result = await service.store.getCurrentResult(accepted.id);
    expect(result?.report.gradable).toBe(true);
    expect(lms.scores).toHaveLength(1);
    expect(lms.scores[0]).toMatchObject({
      lineItem: lms.lineItemUrl('u05'),
      score: { userId: 'moodle-user-77', scoreGiven: result!.score, scoreMaximum: result!.maxScore, gradingProgress: 'FullyGraded' },
    });
    expect(lms.problems).toEqual([]);
  });
});
