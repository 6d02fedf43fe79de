/**
 * LMS in and out against real Redis and real stores (SQLite and PostgreSQL), with a small
 * LMS of our own on loopback (test/helpers/fake-lms.ts): the signed submission webhook
 * (forged, replayed, stale and unknown are refused with nothing stored; a retry makes no
 * second submission; file_url only from allowed hosts), and score passback by LTI AGS and
 * the signed webhook, exactly once per change, also after the LMS was down and after a regrade.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntegration } from '../../src/lms/integrations.js';
import { createPassbackQueue, schedulePassback, type PassbackQueue, type PassbackRetry } from '../../src/lms/passback.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { startPassbackWorker, type RunningPassbackWorker } from '../../src/lms/passback-worker.js';
import { SecretBox } from '../../src/lms/secret-box.js';
import { signedHeaders } from '../../src/lms/signature.js';
import { SigningKeys } from '../../src/lms/signing-keys.js';
import { rootLogger } from '../../src/logger.js';
import {
  CLOSED_REDIS_URL,
  CPU_ASSIGNMENT,
  REDIS_URL,
  call,
  notebookBytes,
  reportFor,
  startApi,
  storeBackendsAvailable,
  type RunningApi,
} from '../helpers/api-service.js';
import { startFakeLms, type FakeLms } from '../helpers/fake-lms.js';

const backends = await storeBackendsAvailable();

const RETRY: PassbackRetry = { attempts: 8, backoffMs: 40 };

interface Webhook {
  fields: Record<string, string>;
  file?: { name: string; bytes: Uint8Array } | null;
  /** Sign with this secret instead of the integration's. */
  secret?: string;
  /** Unix seconds to sign with. */
  at?: Date;
  /** Send these headers instead of signing. */
  headers?: Record<string, string>;
  /** Change the body after signing. */
  tamper?: boolean;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const [name, backend, available] of backends) {
  describe.skipIf(!available)(`LMS on ${name}`, () => {
    const prefix = `test-lms-${name}-${randomBytes(4).toString('hex')}`;
    let api: RunningApi;
    let lms: FakeLms;
    /** A server no integration allows: nothing may ever reach it. */
    let outsider: FakeLms;
    let box: SecretBox;
    let queue: PassbackQueue;
    let worker: RunningPassbackWorker;
    let open: { id: string; secret: string };
    let strict: { id: string; secret: string };
    let badLineItem: { id: string; secret: string };

    beforeAll(async () => {
      lms = await startFakeLms({ jwksUrl: () => `${api.url}/.well-known/jwks.json`, webhookSecret: () => open.secret });
      outsider = await startFakeLms({ jwksUrl: () => `${api.url}/.well-known/jwks.json` });
      api = await startApi({ backend, prefix, uploadLimits: { maxUploadBytes: 256 * 1024 }, passbackRetry: RETRY });
      box = SecretBox.forConfig({ dataDir: api.dataDir });
      const lti = { clientId: lms.clientId, tokenUrl: lms.tokenUrl, lineItems: { [CPU_ASSIGNMENT]: lms.lineItemUrl('configured') } };
      const made = await createIntegration(api.store.lms, box, { name: 'moodle-test', allowHosts: [lms.host], allowPrivate: true, scoreWebhook: lms.webhookUrl, lti });
      open = { id: made.integration.id, secret: made.secret };
      const strictMade = await createIntegration(api.store.lms, box, { name: 'strict', allowHosts: [lms.host] });
      strict = { id: strictMade.integration.id, secret: strictMade.secret };
      const badMade = await createIntegration(api.store.lms, box, {
        name: 'bad-lineitem',
        allowHosts: [],
        lti: { clientId: lms.clientId, tokenUrl: lms.tokenUrl, lineItems: { [CPU_ASSIGNMENT]: `${lms.url}/no-such-lineitem` } },
      });
      badLineItem = { id: badMade.integration.id, secret: badMade.secret };
      queue = createPassbackQueue(api.queues.redis, prefix);
      worker = startPassbackWorker({
        redisUrl: REDIS_URL,
        prefix,
        repo: api.store.lms,
        results: api.store,
        box,
        keys: new SigningKeys(api.store.lms, box),
        queue,
        publicUrl: api.url,
        logger: rootLogger,
        retry: RETRY,
        sweepIntervalMs: 3_600_000,
      });
    });

    afterAll(async () => {
      await worker?.close();
      if (queue !== undefined) await queue.obliterate({ force: true }).catch(() => undefined);
      await api?.close();
      await lms?.close();
      await outsider?.close();
    });

    async function post(integrationId: string, secret: string, hook: Webhook) {
      const form = new FormData();
      for (const [k, v] of Object.entries(hook.fields)) form.append(k, v);
      const file = hook.file === undefined ? { name: 'hw.ipynb', bytes: notebookBytes() } : hook.file;
      if (file !== null) form.append('file', new Blob([new Uint8Array(file.bytes)]), file.name);
      const request = new Request('http://x/', { method: 'POST', body: form });
      const body = Buffer.from(await request.arrayBuffer());
      const headers = hook.headers ?? signedHeaders(hook.secret ?? secret, body, hook.at);
      const sent = hook.tamper ? Buffer.concat([body.subarray(0, body.length - 60), Buffer.from(' '.repeat(1)), body.subarray(body.length - 60)]) : body;
      const response = await fetch(`${api.url}/api/lms/${integrationId}/submissions`, {
        method: 'POST',
        headers: { ...headers, 'content-type': request.headers.get('content-type')! },
        body: sent,
      });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    }

    const fields = (submission: string, user = 'lms-user-1', extra: Record<string, string> = {}) => ({
      assignment: CPU_ASSIGNMENT,
      user,
      submission,
      ...extra,
    });

    async function grade(submissionId: string, points: Record<string, number> = {}, report = reportFor(submissionId, CPU_ASSIGNMENT, points)) {
      const started = await call(api.url, 'POST', `/api/worker/submissions/${submissionId}/started`, { token: api.tokens.worker, body: {} });
      expect(started.status).toBe(200);
      const result = await call(api.url, 'POST', `/api/worker/submissions/${submissionId}/result`, {
        token: api.tokens.worker,
        body: { report, attempt: started.body.attempt },
      });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      return result.body.resultId as string;
    }

    async function deliveries(submissionId: string) {
      const answer = await call(api.url, 'GET', `/api/submissions/${submissionId}/lms-deliveries`, { token: api.tokens.instructor });
      expect(answer.status).toBe(200);
      return answer.body.deliveries as Array<Record<string, any>>;
    }

    async function delivered(submissionId: string, count: number) {
      return until(`${count} delivered deliveries of ${submissionId}`, async () => {
        const all = await deliveries(submissionId);
        return all.filter((d) => d.status === 'delivered').length >= count && all.every((d) => d.status !== 'pending') ? all : undefined;
      });
    }

    it('accepts a signed webhook like an upload and answers a retry with the same submission', async () => {
      const before = await api.stored();
      const first = await post(open.id, open.secret, { fields: fields('sub-retry') });
      expect(first.status, JSON.stringify(first.body)).toBe(202);
      expect(first.body).toMatchObject({ status: 'queued', enqueued: true });
      const again = await post(open.id, open.secret, { fields: fields('sub-retry') });
      expect(again.status).toBe(202);
      expect(again.body).toMatchObject({ id: first.body.id, duplicate: true });
      expect((await api.stored()).submissions).toBe(before.submissions + 1);

      const submission = await api.store.getSubmission(first.body.id);
      expect(submission?.source).toBe('lms');
      // The same LMS user is the same student on a later submission.
      const second = await post(open.id, open.secret, { fields: fields('sub-retry-2') });
      expect((await api.store.getSubmission(second.body.id))?.userId).toBe(submission?.userId);
      expect((await api.store.getUser(submission!.userId))?.role).toBe('student');
    });

    it('refuses forged, tampered, stale, replayed, unsigned and unknown-integration webhooks with 401 and stores nothing', async () => {
      const before = await api.stored();
      const cases: Array<[string, string, Webhook, string]> = [
        ['forged', open.id, { fields: fields('sub-forged'), secret: 'not-the-secret' }, 'SIGNATURE_INVALID'],
        ['tampered', open.id, { fields: fields('sub-tampered'), tamper: true }, 'SIGNATURE_INVALID'],
        ['stale', open.id, { fields: fields('sub-stale'), at: new Date(Date.now() - 6 * 60_000) }, 'TIMESTAMP_STALE'],
        ['future', open.id, { fields: fields('sub-future'), at: new Date(Date.now() + 6 * 60_000) }, 'TIMESTAMP_STALE'],
        ['unsigned', open.id, { fields: fields('sub-unsigned'), headers: {} }, 'SIGNATURE_MISSING'],
        ['other integration', strict.id, { fields: fields('sub-other'), secret: open.secret }, 'SIGNATURE_INVALID'],
        ['unknown integration', 'no-such-integration', { fields: fields('sub-unknown') }, 'UNKNOWN_INTEGRATION'],
      ];
      for (const [label, id, hook, code] of cases) {
        const answer = await post(id, open.secret, hook);
        expect(answer.status, label).toBe(401);
        expect(answer.body.error, label).toBe(code);
        expect(typeof answer.body.detail, label).toBe('string');
      }
      // A captured request replayed after the window: same body, same old signature.
      const form = new FormData();
      for (const [k, v] of Object.entries(fields('sub-replayed'))) form.append(k, v);
      form.append('file', new Blob([new Uint8Array(notebookBytes())]), 'hw.ipynb');
      const request = new Request('http://x/', { method: 'POST', body: form });
      const body = Buffer.from(await request.arrayBuffer());
      const captured = signedHeaders(open.secret, body, new Date(Date.now() - 10 * 60_000));
      const replayed = await fetch(`${api.url}/api/lms/${open.id}/submissions`, {
        method: 'POST',
        headers: { ...captured, 'content-type': request.headers.get('content-type')! },
        body,
      });
      expect(replayed.status).toBe(401);

      expect(await api.stored()).toEqual(before);
      for (const id of ['sub-forged', 'sub-tampered', 'sub-stale', 'sub-replayed', 'sub-unsigned']) {
        expect(await api.store.lms.getLmsSubmission(open.id, id)).toBeUndefined();
      }
    });

    it('validates the fields and answers JSON errors with a code', async () => {
      const missing = await post(open.id, open.secret, { fields: { assignment: CPU_ASSIGNMENT, submission: 'sub-nouser' } });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe('BAD_REQUEST');
      expect(missing.body.detail).toContain('user');
      const both = await post(open.id, open.secret, { fields: fields('sub-both', 'u', { file_url: `${lms.url}/f.ipynb` }) });
      expect(both.status).toBe(400);
      const unknown = await post(open.id, open.secret, { fields: { ...fields('sub-unknown-assignment'), assignment: 'no-such-assignment' } });
      expect(unknown.status).toBe(404);
      const notNotebook = await post(open.id, open.secret, { fields: fields('sub-garbage'), file: { name: 'hw.ipynb', bytes: Buffer.from('not json') } });
      expect(notNotebook.status).toBe(422);
      // A refused upload does not use up the LMS submission id.
      const fixed = await post(open.id, open.secret, { fields: fields('sub-garbage') });
      expect(fixed.status).toBe(202);
    });

    it('fetches file_url from an allowed host only, never following a redirect off the list', async () => {
      lms.serveFile('/files/hw.ipynb', notebookBytes());
      outsider.serveFile('/files/hw.ipynb', notebookBytes());
      lms.redirect('/files/away.ipynb', `${outsider.url}/files/hw.ipynb`);

      const fetched = await post(open.id, open.secret, { fields: fields('sub-url', 'u', { file_url: `${lms.url}/files/hw.ipynb` }), file: null });
      expect(fetched.status, JSON.stringify(fetched.body)).toBe(202);
      expect((await api.store.getSubmission(fetched.body.id))?.fileName).toBe('hw.ipynb');

      const before = await api.stored();
      const offList = await post(open.id, open.secret, { fields: fields('sub-off-list', 'u', { file_url: `${outsider.url}/files/hw.ipynb` }), file: null });
      expect(offList.status).toBe(422);
      expect(offList.body.error).toBe('FILE_URL_NOT_ALLOWED');
      const redirected = await post(open.id, open.secret, { fields: fields('sub-redirect', 'u', { file_url: `${lms.url}/files/away.ipynb` }), file: null });
      expect(redirected.status).toBe(422);
      expect(redirected.body.error).toBe('FILE_URL_REDIRECT_NOT_ALLOWED');
      expect(outsider.requests).toEqual([]);

      // Loopback is private: an integration not configured for tests may not reach it, even on its list.
      const requestsBefore = lms.requests.length;
      const privateAddress = await post(strict.id, strict.secret, { fields: fields('sub-private', 'u', { file_url: `${lms.url}/files/hw.ipynb` }), file: null });
      expect(privateAddress.status).toBe(422);
      expect(privateAddress.body.error).toBe('FILE_URL_PRIVATE_ADDRESS');
      expect(lms.requests.length).toBe(requestsBefore);
      expect(await api.stored()).toEqual(before);
    });

    it('serves our public key as a JWKS', async () => {
      const jwks = await call(api.url, 'GET', '/.well-known/jwks.json');
      expect(jwks.status).toBe(200);
      expect(jwks.body.keys).toHaveLength(1);
      expect(jwks.body.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(jwks.body.keys[0].d).toBeUndefined();
    });

    it('passes the score back by AGS and the signed webhook, exactly once, and shows the log to instructors only', async () => {
      const lineItem = lms.lineItemUrl('from-webhook');
      const sent = await post(open.id, open.secret, { fields: fields('sub-pass', 'lms-user-pass', { lineitem: lineItem }) });
      const id = sent.body.id as string;
      const resultId = await grade(id, { 'softmax.stability': 1 });
      const log = await delivered(id, 2);

      const scores = lms.scores.filter((s) => s.score.userId === 'lms-user-pass');
      expect(scores).toHaveLength(1);
      expect(scores[0]).toMatchObject({ lineItem, score: { scoreGiven: 8, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded' } });
      expect(scores[0]!.score.comment).toContain('8 / 10');
      const hooks = lms.webhooks.filter((w) => w.body.lmsUserId === 'lms-user-pass');
      expect(hooks).toHaveLength(1);
      expect(hooks[0]!.body).toMatchObject({ lmsSubmissionId: 'sub-pass', submissionId: id, score: 8, maxScore: 10, status: 'graded', resultId });
      expect(hooks[0]!.body.reportUrl).toBe(`${api.url}/api/submissions/${id}`);
      expect(log.map((d) => d.channel).sort()).toEqual(['ags', 'webhook']);
      expect(lms.problems).toEqual([]);

      const student = await call(api.url, 'GET', `/api/submissions/${id}/lms-deliveries`, { token: api.tokens.student });
      expect(student.status).toBe(403);
    });

    it('delivers once the LMS is back after answering 503 and 429 for a while, still exactly once', async () => {
      const sent = await post(open.id, open.secret, { fields: fields('sub-down', 'lms-user-down') });
      const id = sent.body.id as string;
      lms.failNext(5, 503);
      await grade(id);
      const log = await delivered(id, 2);
      expect(lms.scores.filter((s) => s.score.userId === 'lms-user-down')).toHaveLength(1);
      expect(lms.scores.find((s) => s.score.userId === 'lms-user-down')?.lineItem).toBe(lms.lineItemUrl('configured'));
      expect(lms.webhooks.filter((w) => w.body.lmsUserId === 'lms-user-down')).toHaveLength(1);
      const retries = log.flatMap((d) => d.log).filter((e: { outcome: string }) => e.outcome === 'retry');
      expect(retries.length).toBeGreaterThan(0);
      expect(retries[0].httpStatus).toBe(503);

      lms.failNext(3, 429);
      const again = await post(open.id, open.secret, { fields: fields('sub-throttled', 'lms-user-throttled') });
      await grade(again.body.id);
      await delivered(again.body.id, 2);
      expect(lms.scores.filter((s) => s.score.userId === 'lms-user-throttled')).toHaveLength(1);
      expect(lms.stale).toEqual([]);
      expect(lms.webhookRepeats).toEqual([]);
    });

    it('delivers a regraded score again, with a later timestamp', async () => {
      const sent = await post(open.id, open.secret, { fields: fields('sub-regrade', 'lms-user-regrade') });
      const id = sent.body.id as string;
      await grade(id, { 'softmax.reference': 2 });
      await delivered(id, 2);
      const regrade = await call(api.url, 'POST', `/api/submissions/${id}/regrade`, { token: api.tokens.instructor });
      expect(regrade.status).toBe(202);
      await grade(id);
      await delivered(id, 4);
      const scores = lms.scores.filter((s) => s.score.userId === 'lms-user-regrade');
      expect(scores.map((s) => s.score.scoreGiven)).toEqual([6, 10]);
      expect(Date.parse(scores[1]!.score.timestamp)).toBeGreaterThan(Date.parse(scores[0]!.score.timestamp));
      expect(lms.webhooks.filter((w) => w.body.lmsUserId === 'lms-user-regrade').map((w) => w.body.score)).toEqual([6, 10]);
      expect(lms.stale).toEqual([]);
    });

    it('sends no score for a submission that was not gradable, and says why', async () => {
      const sent = await post(open.id, open.secret, { fields: fields('sub-notgradable', 'lms-user-ng') });
      const id = sent.body.id as string;
      const report = { ...reportFor(id, CPU_ASSIGNMENT), gradable: false, score: 0, checks: [], objectives: [], errors: ['the notebook has no code cells'] };
      await grade(id, {}, report);
      await delivered(id, 2);
      const score = lms.scores.find((s) => s.score.userId === 'lms-user-ng')!.score;
      expect(score.scoreGiven).toBeUndefined();
      expect(score.gradingProgress).toBe('Failed');
      expect(score.comment).toContain('no code cells');
      expect(lms.webhooks.find((w) => w.body.lmsUserId === 'lms-user-ng')?.body).toMatchObject({ score: null, status: 'not_gradable' });
    });

    it('records a 4xx answer as failed without retrying', async () => {
      const sent = await post(badLineItem.id, badLineItem.secret, { fields: fields('sub-404', 'lms-user-404') });
      const id = sent.body.id as string;
      await grade(id);
      const [delivery] = await until('the failed delivery', async () => {
        const all = await deliveries(id);
        return all.length === 1 && all[0]!.status === 'failed' ? all : undefined;
      });
      expect(delivery!.attempts).toBe(1);
      expect(delivery!.log).toHaveLength(1);
      expect(delivery!.log[0].httpStatus).toBe(404);
    });

    it('queues, by its sweep, a delivery stored while Redis was unreachable', async () => {
      const sent = await post(open.id, open.secret, { fields: fields('sub-sweep', 'lms-user-sweep') });
      const id = sent.body.id as string;
      const result = await api.store.recordResult(id, reportFor(id, CPU_ASSIGNMENT));
      const down = createRedisConnection(CLOSED_REDIS_URL, { connectTimeoutMs: 200 });
      try {
        const stored = await schedulePassback({ repo: api.store.lms, queue: createPassbackQueue(down, prefix), logger: rootLogger, retry: RETRY }, { id, assignmentId: CPU_ASSIGNMENT }, result);
        expect(stored.map((d) => d.status)).toEqual(['pending', 'pending']);
      } finally {
        down.disconnect();
      }
      expect(await worker.sweep(new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(2);
      await delivered(id, 2);
      expect(lms.scores.filter((s) => s.score.userId === 'lms-user-sweep')).toHaveLength(1);
    });
  });
}
