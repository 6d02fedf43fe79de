/**
 * The HTTP API against real Redis and real stores (SQLite and PostgreSQL): uploads,
 * refusals that change nothing, visibility, deadlines and limits, the worker endpoints,
 * health, metrics and the OpenAPI document.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradeReport } from '../../src/grading/report.js';
import { gradeJobId } from '../../src/queue/grading.js';
import { WorkerSubmissionSchema } from '../../src/queue/worker-wire.js';
import { clearWorkerHeartbeat, writeWorkerHeartbeat } from '../../src/queue/heartbeats.js';
import { reconcileOnce } from '../../src/queue/reconciler.js';
import {
  CLOSED_REDIS_URL,
  CPU_ASSIGNMENT,
  GPU_ASSIGNMENT,
  call,
  notebookBytes,
  reportFor,
  startApi,
  storeBackendsAvailable,
  testAssignments,
  upload,
  type RunningApi,
} from '../helpers/api-service.js';
import { graderDir } from '../../graders/common/paths.js';
import { buildZip } from '../unit/submission/helpers/zip-writer.js';

const backends = await storeBackendsAvailable();

const DAY = 24 * 60 * 60 * 1000;

for (const [name, backend, available] of backends) {
  describe.skipIf(!available)(`API on ${name}`, () => {
    let api: RunningApi;
    const prefix = `test-api-${name}-${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      api = await startApi({ backend, prefix, uploadLimits: { maxUploadBytes: 256 * 1024 } });
    });
    afterAll(async () => {
      await api?.close();
    });

    async function accepted(assignmentId = CPU_ASSIGNMENT, token = api.tokens.student): Promise<string> {
      const response = await upload(api.url, assignmentId, { token });
      const body = await response.json();
      expect(response.status, JSON.stringify(body)).toBe(202);
      return body.id as string;
    }

    async function setPolicy(assignmentId: string, policy: Record<string, unknown>) {
      const response = await call(api.url, 'PUT', `/api/assignments/${assignmentId}/policy`, { token: api.tokens.instructor, body: policy });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body;
    }

    async function grade(submissionId: string, assignmentId = CPU_ASSIGNMENT, points: Record<string, number> = {}) {
      const started = await call(api.url, 'POST', `/api/worker/submissions/${submissionId}/started`, { token: api.tokens.worker, body: {} });
      expect(started.status).toBe(200);
      const result = await call(api.url, 'POST', `/api/worker/submissions/${submissionId}/result`, {
        token: api.tokens.worker,
        body: { report: reportFor(submissionId, assignmentId, points), attempt: started.body.attempt },
      });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      return result.body;
    }

    describe('upload', () => {
      it('stores the blob and the submission, puts one job on the CPU queue, and answers 202', async () => {
        const bytes = notebookBytes('  # upload test');
        const response = await upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, bytes, name: 'Übung 1.ipynb' });
        const body = await response.json();
        expect(response.status).toBe(202);
        expect(body).toMatchObject({ status: 'queued', enqueued: true });
        expect(response.headers.get('location')).toBe(`/api/submissions/${body.id}`);

        const submission = await api.store.getSubmission(body.id);
        expect(submission).toMatchObject({ assignmentId: CPU_ASSIGNMENT, userId: api.users.student.id, status: 'queued', fileName: 'Übung 1.ipynb' });
        expect(submission!.enqueuedAt).not.toBeNull();
        expect(Buffer.compare(await api.blobs.get(submission!.blobHash), bytes)).toBe(0);

        const job = await api.queues.cpu.getJob(gradeJobId(body.id, 0));
        expect(job?.data).toEqual({ v: 1, submissionId: body.id, assignmentId: CPU_ASSIGNMENT });
        expect(await api.queues.gpu.getJob(gradeJobId(body.id, 0))).toBeUndefined();
      });

      it('puts a GPU assignment on the GPU queue', async () => {
        const id = await accepted(GPU_ASSIGNMENT);
        expect((await api.queues.gpu.getJob(gradeJobId(id, 0)))?.data.assignmentId).toBe(GPU_ASSIGNMENT);
        expect(await api.queues.cpu.getJob(gradeJobId(id, 0))).toBeUndefined();
      });

      it('accepts a zip holding a notebook and a model file', async () => {
        const zip = buildZip([
          { name: 'hw/notebook.ipynb', data: notebookBytes() },
          { name: 'hw/model.pt', data: 'weights' },
        ]);
        const response = await upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, bytes: zip, name: 'hw.zip' });
        expect(response.status).toBe(202);
      });
    });

    describe('refused requests change nothing', () => {
      const cases: Array<{
        what: string;
        send: () => Promise<globalThis.Response>;
        status: number;
        error: string;
        detail: RegExp;
      }> = [
        {
          what: 'no token',
          send: () => upload(api.url, CPU_ASSIGNMENT),
          status: 401,
          error: 'UNAUTHENTICATED',
          detail: /Authorization: Bearer/,
        },
        {
          what: 'an unknown token',
          send: () => upload(api.url, CPU_ASSIGNMENT, { token: `ag_${'x'.repeat(43)}` }),
          status: 401,
          error: 'INVALID_TOKEN',
          detail: /unknown, revoked or expired/,
        },
        {
          what: 'a worker token',
          send: () => upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.worker }),
          status: 403,
          error: 'FORBIDDEN',
          detail: /role student or instructor or admin; yours has role worker/,
        },
        {
          what: 'an unknown assignment',
          send: () => upload(api.url, 'no-such-assignment', { token: api.tokens.student }),
          status: 404,
          error: 'UNKNOWN_ASSIGNMENT',
          detail: /known assignments: apitest-cpu, apitest-gpu/,
        },
        {
          what: 'the file in the wrong field',
          send: () => upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, field: 'notebook' }),
          status: 400,
          error: 'WRONG_FIELD',
          detail: /field "file", not "notebook"/,
        },
        {
          what: 'a JSON body instead of multipart',
          send: () =>
            fetch(`${api.url}/api/assignments/${CPU_ASSIGNMENT}/submissions`, {
              method: 'POST',
              headers: { authorization: `Bearer ${api.tokens.student}`, 'content-type': 'application/json' },
              body: '{}',
            }),
          status: 415,
          error: 'NOT_MULTIPART',
          detail: /multipart\/form-data/,
        },
        {
          what: 'a PDF named .pdf',
          send: () => upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, name: 'hw.pdf', bytes: Buffer.from('%PDF-1.4 ...') }),
          status: 415,
          error: 'UNSUPPORTED_TYPE',
          detail: /neither a notebook nor a zip/,
        },
        {
          what: 'a text file named .ipynb',
          send: () => upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, bytes: Buffer.from('print("hello")') }),
          status: 422,
          error: 'NOT_A_NOTEBOOK',
          detail: /not a Jupyter notebook/,
        },
        {
          what: 'JSON that is not a notebook',
          send: () => upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, bytes: Buffer.from('{"cells": 3}') }),
          status: 422,
          error: 'BAD_NOTEBOOK',
          detail: /hw\.ipynb/,
        },
        {
          what: 'an upload over the size limit',
          send: () => upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, bytes: notebookBytes('#'.repeat(400 * 1024)) }),
          status: 413,
          error: 'TOO_LARGE',
          detail: /256\.0 KiB limit/,
        },
        {
          what: 'a zip bomb',
          send: () =>
            upload(api.url, CPU_ASSIGNMENT, {
              token: api.tokens.student,
              name: 'hw.zip',
              bytes: buildZip([
                { name: 'hw.ipynb', data: notebookBytes() },
                { name: 'model.bin', data: Buffer.alloc(50 * 1024 * 1024) },
              ]),
            }),
          status: 422,
          error: 'ZIP_BOMB',
          detail: /./,
        },
        {
          what: 'a zip with path traversal',
          send: () =>
            upload(api.url, CPU_ASSIGNMENT, {
              token: api.tokens.student,
              name: 'hw.zip',
              bytes: buildZip([
                { name: 'hw.ipynb', data: notebookBytes() },
                { name: '../../etc/cron.d/evil.txt', data: 'x' },
              ]),
            }),
          status: 422,
          error: 'PATH_TRAVERSAL',
          detail: /\.\./,
        },
        {
          what: 'a zip without a notebook',
          send: () =>
            upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, name: 'hw.zip', bytes: buildZip([{ name: 'model.pt', data: 'w' }]) }),
          status: 422,
          error: 'NO_NOTEBOOK',
          detail: /add your notebook/,
        },
      ];

      for (const c of cases) {
        it(`${c.what}: ${c.status} ${c.error}`, async () => {
          const before = await api.stored();
          const jobsBefore = await api.queues.cpu.count();
          const response = await c.send();
          const body = await response.json();
          expect(response.status, JSON.stringify(body)).toBe(c.status);
          expect(body.error).toBe(c.error);
          expect(body.detail).toMatch(c.detail);
          expect(Object.keys(body).sort()).toEqual(['detail', 'error']);
          expect(await api.stored()).toEqual(before);
          expect(await api.queues.cpu.count()).toBe(jobsBefore);
        });
      }

      it('answers unknown routes and malformed ids with JSON errors', async () => {
        expect(await call(api.url, 'GET', '/api/nothing', { token: api.tokens.student })).toMatchObject({ status: 404, body: { error: 'NOT_FOUND' } });
        const bad = await call(api.url, 'GET', '/api/submissions/%20bad%20id', { token: api.tokens.student });
        expect(bad).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST' } });
        expect(bad.body.detail).toMatch(/^params\.id: /);
      });

      it('answers malformed JSON with 400 and no stack trace', async () => {
        const response = await fetch(`${api.url}/api/assignments/${CPU_ASSIGNMENT}/policy`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${api.tokens.instructor}`, 'content-type': 'application/json' },
          body: '{"dueAt": ',
        });
        const body = await response.json();
        expect(response.status).toBe(400);
        expect(body.error).toBe('BAD_JSON');
        expect(JSON.stringify(body)).not.toMatch(/at .*\.js:\d+/);
      });
    });

    describe('reading submissions', () => {
      it('shows a student their own submission with visible checks only, scores recomputed', async () => {
        const id = await accepted();
        const queued = await call(api.url, 'GET', `/api/submissions/${id}`, { token: api.tokens.student });
        expect(queued).toMatchObject({ status: 200, body: { id, status: 'queued', assignmentId: CPU_ASSIGNMENT, report: null } });

        await grade(id, CPU_ASSIGNMENT, { 'softmax.reference': 4, 'softmax.stability': 1 });
        const seen = await call(api.url, 'GET', `/api/submissions/${id}`, { token: api.tokens.student });
        expect(seen.body.status).toBe('graded');
        // No due date: after_due checks stay hidden as well.
        expect(seen.body.report.checks.map((c: { id: string }) => c.id)).toEqual(['softmax.reference']);
        expect(seen.body.report).toMatchObject({ score: 4, maxScore: 6, objectives: [{ id: 'TM-Softmax', points: 4, maxPoints: 6 }] });

        const staff = await call(api.url, 'GET', `/api/submissions/${id}`, { token: api.tokens.instructor });
        expect(staff.body.report.checks).toHaveLength(3);
        expect(staff.body.report).toMatchObject({ score: 6, maxScore: 10 });
      });

      it('shows after_due checks once the due date has passed', async () => {
        const id = await accepted(GPU_ASSIGNMENT);
        await grade(id, GPU_ASSIGNMENT);
        await setPolicy(GPU_ASSIGNMENT, { dueAt: new Date(Date.now() + 7 * DAY).toISOString() });
        const before = await call(api.url, 'GET', `/api/submissions/${id}`, { token: api.tokens.student });
        expect(before.body.report.checks.map((c: { id: string }) => c.id)).toEqual(['softmax.reference']);

        await setPolicy(GPU_ASSIGNMENT, { dueAt: new Date(Date.now() - DAY).toISOString(), latePolicy: { kind: 'accept' } });
        const after = await call(api.url, 'GET', `/api/submissions/${id}`, { token: api.tokens.student });
        expect(after.body.report.checks.map((c: { id: string }) => c.id)).toEqual(['softmax.reference', 'narrative']);
        expect(after.body.report).toMatchObject({ score: 7, maxScore: 7 });
        await setPolicy(GPU_ASSIGNMENT, { dueAt: null });
      });

      it("answers 404 for another student's submission, and the same as for a missing one", async () => {
        const id = await accepted();
        const other = await call(api.url, 'GET', `/api/submissions/${id}`, { token: api.tokens.student2 });
        const missing = await call(api.url, 'GET', '/api/submissions/does-not-exist', { token: api.tokens.student2 });
        expect(other).toMatchObject({ status: 404, body: { error: 'SUBMISSION_NOT_FOUND' } });
        expect(other.body).toEqual({ ...missing.body, detail: missing.body.detail.replace('does-not-exist', id) });
      });

      it('lists the assignments with checks, points and policy', async () => {
        const student = await call(api.url, 'GET', '/api/assignments', { token: api.tokens.student });
        expect(student.status).toBe(200);
        expect(student.body.assignments.map((a: { id: string }) => a.id)).toEqual([CPU_ASSIGNMENT, GPU_ASSIGNMENT]);
        const cpu = student.body.assignments[0];
        expect(cpu).toMatchObject({ title: 'API test (CPU)', gpu: false, latePolicy: { kind: 'accept' } });
        const staff = await call(api.url, 'GET', '/api/assignments', { token: api.tokens.instructor });
        expect(staff.body.assignments[0]).toMatchObject({ maxScore: 10 });
        expect(staff.body.assignments[0].checks).toHaveLength(3);
        expect(cpu.checks.length).toBeLessThan(3);
      });

      it('gives instructors every submission with its current score, as JSON and CSV', async () => {
        const id = await accepted(CPU_ASSIGNMENT, api.tokens.student2);
        await grade(id, CPU_ASSIGNMENT, { 'softmax.reference': 5 });
        const listed = await call(api.url, 'GET', `/api/assignments/${CPU_ASSIGNMENT}/submissions`, { token: api.tokens.instructor });
        expect(listed.status).toBe(200);
        const row = listed.body.submissions.find((s: { id: string }) => s.id === id);
        expect(row).toMatchObject({ studentId: 's1002', studentName: 'student2 name', status: 'graded', score: 9, maxScore: 10, daysLate: 0 });

        const csv = await call(api.url, 'GET', `/api/assignments/${CPU_ASSIGNMENT}/submissions?format=csv`, { token: api.tokens.instructor });
        expect(csv.status).toBe(200);
        expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
        const records: string[][] = parseCsv(csv.body as string);
        expect(records[0]!.join(',')).toBe('submission_id,student_id,student_name,user_id,status,score,max_score,days_late,attempts,file_name,submitted_at,graded_at');
        expect(records.find((r) => r[0] === id)?.join(',')).toMatch(new RegExp(`^${id},s1002,student2 name,[^,]+,graded,9,10,0,1,hw.ipynb,`));

        expect(await call(api.url, 'GET', `/api/assignments/${CPU_ASSIGNMENT}/submissions`, { token: api.tokens.student })).toMatchObject({
          status: 403,
          body: { error: 'FORBIDDEN' },
        });
      });
    });

    describe('worker endpoints', () => {
      it('serve the upload and record exactly one current result per attempt', async () => {
        const bytes = notebookBytes(' # worker test');
        const response = await upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, bytes });
        const { id } = await response.json();

        const meta = await call(api.url, 'GET', `/api/worker/submissions/${id}`, { token: api.tokens.worker });
        expect(meta.body).toMatchObject({ id, assignmentId: CPU_ASSIGNMENT, fileName: 'hw.ipynb', attempts: 0, status: 'queued', size: bytes.length });
        const file = await fetch(`${api.url}/api/worker/submissions/${id}/file`, { headers: { authorization: `Bearer ${api.tokens.worker}` } });
        expect(file.status).toBe(200);
        expect(Buffer.compare(Buffer.from(await file.arrayBuffer()), bytes)).toBe(0);

        const started = await call(api.url, 'POST', `/api/worker/submissions/${id}/started`, { token: api.tokens.worker, body: {} });
        expect(started.body).toEqual({ id, status: 'running', attempt: 1 });
        const report = reportFor(id, CPU_ASSIGNMENT, { 'softmax.reference': 2 });
        const first = await call(api.url, 'POST', `/api/worker/submissions/${id}/result`, { token: api.tokens.worker, body: { report, attempt: 1 } });
        expect(first.body).toMatchObject({ id, status: 'graded', score: 6, maxScore: 10, recorded: true });
        const again = await call(api.url, 'POST', `/api/worker/submissions/${id}/result`, { token: api.tokens.worker, body: { report, attempt: 1 } });
        expect(again.body).toMatchObject({ resultId: first.body.resultId, recorded: false });
        expect(await api.store.listResults(id)).toHaveLength(1);

        // A regrade: the old result stays current until the new one is recorded.
        const regrade = await call(api.url, 'POST', `/api/submissions/${id}/regrade`, { token: api.tokens.instructor });
        expect(regrade).toMatchObject({ status: 202, body: { id, status: 'queued', enqueued: true } });
        expect(await api.queues.cpu.getJob(gradeJobId(id, 1))).toBeDefined();
        const during = await call(api.url, 'GET', `/api/submissions/${id}`, { token: api.tokens.instructor });
        expect(during.body).toMatchObject({ status: 'queued', report: { score: 6 } });

        const second = await call(api.url, 'POST', `/api/worker/submissions/${id}/started`, { token: api.tokens.worker, body: {} });
        expect(second.body.attempt).toBe(2);
        const stale = await call(api.url, 'POST', `/api/worker/submissions/${id}/result`, { token: api.tokens.worker, body: { report, attempt: 1 } });
        expect(stale).toMatchObject({ status: 409, body: { error: 'STALE_ATTEMPT' } });
        const fresh = await call(api.url, 'POST', `/api/worker/submissions/${id}/result`, {
          token: api.tokens.worker,
          body: { report: reportFor(id, CPU_ASSIGNMENT), attempt: 2 },
        });
        expect(fresh.body).toMatchObject({ score: 10, recorded: true });

        const results = await api.store.listResults(id);
        expect(results).toHaveLength(2);
        expect(results.filter((r) => r.isCurrent).map((r) => r.id)).toEqual([fresh.body.resultId]);
      });

      it('refuse reports for another submission and malformed reports, recording nothing', async () => {
        const id = await accepted();
        const otherId = await accepted();
        await call(api.url, 'POST', `/api/worker/submissions/${id}/started`, { token: api.tokens.worker, body: {} });
        const mismatch = await call(api.url, 'POST', `/api/worker/submissions/${id}/result`, {
          token: api.tokens.worker,
          body: { report: reportFor(otherId, CPU_ASSIGNMENT), attempt: 1 },
        });
        expect(mismatch).toMatchObject({ status: 422, body: { error: 'REPORT_REJECTED' } });
        const malformed = await call(api.url, 'POST', `/api/worker/submissions/${id}/result`, {
          token: api.tokens.worker,
          body: { report: { score: 'ten' } },
        });
        expect(malformed).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST' } });
        expect(malformed.body.detail).toMatch(/body\.report\./);
        expect(await api.store.listResults(id)).toHaveLength(0);
      });

      it('recompute the score from the assignment and refuse reports that do not add up, storing nothing', async () => {
        const id = await accepted();
        const started = await call(api.url, 'POST', `/api/worker/submissions/${id}/started`, { token: api.tokens.worker, body: {} });
        const attempt = started.body.attempt as number;
        const good = reportFor(id, CPU_ASSIGNMENT);
        const forged: Array<[string, GradeReport, RegExp]> = [
          ['a made-up score', { ...good, score: 99, maxScore: 14 }, /maxScore 14/],
          ['a score that is not the sum', { ...good, score: 9 }, /score 9 is not the sum/],
          ['points above the maximum', { ...good, checks: good.checks.map((c) => (c.id === 'narrative' ? { ...c, points: 500 } : c)), score: 509 }, /narrative claims 500/],
          ['a check worth more than it is', { ...good, checks: good.checks.map((c) => (c.id === 'narrative' ? { ...c, points: 5, maxPoints: 5 } : c)), score: 14, maxScore: 14 }, /maxScore 14|worth 1, not 5/],
          ['an unknown check', { ...good, checks: [...good.checks, { ...good.checks[0]!, id: 'bonus' }] }, /check "bonus"/],
          ['a missing check', { ...good, checks: good.checks.filter((c) => c.id !== 'softmax.stability'), score: 7 }, /lacks check\(s\) softmax\.stability/],
          ['a repeated check', { ...good, checks: [...good.checks, good.checks[2]!], score: 11 }, /narrative twice/],
          ['a late penalty of its own', { ...good, late: { dueAt: new Date().toISOString(), submittedAt: new Date().toISOString(), daysLate: 1, percentPerDay: 0, penaltyPercent: 0, scoreBeforePenalty: 99, message: 'x' } }, /late penalty/],
          ['another assignment', { ...good, assignment: { id: GPU_ASSIGNMENT, version: 'test' } }, /assignment apitest-gpu/],
          ['points on an ungradable report', { ...good, gradable: false }, /not gradable but carries/],
        ];
        for (const [what, report, detail] of forged) {
          const refused = await call(api.url, 'POST', `/api/worker/submissions/${id}/result`, { token: api.tokens.worker, body: { report, attempt } });
          expect(refused.status, what).toBe(422);
          expect(refused.body.error, what).toBe('REPORT_REJECTED');
          expect(refused.body.detail, what).toMatch(detail);
        }
        const negative = await call(api.url, 'POST', `/api/worker/submissions/${id}/result`, {
          token: api.tokens.worker,
          body: { report: { ...good, checks: good.checks.map((c) => (c.id === 'narrative' ? { ...c, points: -5 } : c)), score: 4 }, attempt },
        });
        expect(negative.status).toBe(400);
        const noAttempt = await call(api.url, 'POST', `/api/worker/submissions/${id}/result`, { token: api.tokens.worker, body: { report: good } });
        expect(noAttempt.status).toBe(400);
        expect(await api.store.listResults(id)).toHaveLength(0);
        expect((await api.store.getSubmission(id))?.status).toBe('running');

        // What is stored comes from the assignment: a hidden check stays hidden whatever the worker says.
        const relabelled = { ...good, checks: good.checks.map((c) => ({ ...c, visibility: 'visible' as const, title: 'renamed' })) };
        const recorded = await call(api.url, 'POST', `/api/worker/submissions/${id}/result`, { token: api.tokens.worker, body: { report: relabelled, attempt } });
        expect(recorded.body).toMatchObject({ score: 10, maxScore: 10, recorded: true });
        const stored = (await api.store.getCurrentResult(id))!.report;
        expect(stored.checks.find((c) => c.id === 'softmax.stability')).toMatchObject({ visibility: 'hidden', title: 'softmax.stability title' });
      });

      it('tie an attempt to the worker token that started it', async () => {
        const id = await accepted();
        const other = await api.store.createUser({ role: 'worker', name: `other worker ${randomBytes(3).toString('hex')}` });
        const otherToken = await api.store.createToken(other.id);
        const started = await call(api.url, 'POST', `/api/worker/submissions/${id}/started`, { token: api.tokens.worker, body: {} });
        const attempt = started.body.attempt as number;
        const stolen = await call(api.url, 'POST', `/api/worker/submissions/${id}/result`, {
          token: otherToken,
          body: { report: reportFor(id, CPU_ASSIGNMENT), attempt },
        });
        expect(stolen).toMatchObject({ status: 409, body: { error: 'ATTEMPT_NOT_YOURS' } });
        const failed = await call(api.url, 'POST', `/api/worker/submissions/${id}/failed`, { token: otherToken, body: { message: 'nope', attempt } });
        expect(failed).toMatchObject({ status: 409, body: { error: 'ATTEMPT_NOT_YOURS' } });
        const failedWithoutAttempt = await call(api.url, 'POST', `/api/worker/submissions/${id}/failed`, { token: otherToken, body: { message: 'nope' } });
        expect(failedWithoutAttempt).toMatchObject({ status: 409, body: { error: 'ATTEMPT_NOT_YOURS' } });
        expect(await api.store.listResults(id)).toHaveLength(0);
        expect((await api.store.getSubmission(id))?.status).toBe('running');
        const own = await call(api.url, 'POST', `/api/worker/submissions/${id}/result`, { token: api.tokens.worker, body: { report: reportFor(id, CPU_ASSIGNMENT), attempt } });
        expect(own.body).toMatchObject({ recorded: true });
      });

      it('tell the worker the size, sha256 and unpack limits of the upload', async () => {
        const bytes = notebookBytes(' # limits');
        const { id } = await (await upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, bytes })).json();
        const meta = await call(api.url, 'GET', `/api/worker/submissions/${id}`, { token: api.tokens.worker });
        expect(WorkerSubmissionSchema.parse(meta.body)).toMatchObject({
          size: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          limits: { maxUploadBytes: 256 * 1024 },
        });
      });

      it('mark a submission failed with its message (shown in full to staff only)', async () => {
        const id = await accepted();
        await call(api.url, 'POST', `/api/worker/submissions/${id}/started`, { token: api.tokens.worker, body: {} });
        const failed = await call(api.url, 'POST', `/api/worker/submissions/${id}/failed`, {
          token: api.tokens.worker,
          body: { message: 'Docker daemon unreachable at /var/run/docker.sock after 5 tries', attempt: 1 },
        });
        expect(failed.body).toEqual({ id, status: 'failed' });
        const staff = await call(api.url, 'GET', `/api/submissions/${id}`, { token: api.tokens.instructor });
        expect(staff.body.error).toMatch(/Docker daemon unreachable/);
        const student = await call(api.url, 'GET', `/api/submissions/${id}`, { token: api.tokens.student });
        expect(student.body.error).toMatch(/on our side/);
        expect(student.body.error).not.toMatch(/docker/i);
      });

      it('are for workers only', async () => {
        const id = await accepted();
        for (const token of [api.tokens.student, api.tokens.instructor]) {
          const response = await call(api.url, 'GET', `/api/worker/submissions/${id}/file`, { token });
          expect(response).toMatchObject({ status: 403, body: { error: 'FORBIDDEN' } });
        }
      });
    });

    describe('deadlines and limits', () => {
      it('refuses a late upload under a refusing policy with 403 and the due date', async () => {
        const dueAt = new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString();
        await setPolicy(CPU_ASSIGNMENT, { dueAt, latePolicy: { kind: 'reject' } });
        try {
          const before = await api.stored();
          const response = await upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student });
          const body = await response.json();
          expect(response.status).toBe(403);
          expect(body).toMatchObject({ error: 'PAST_DUE', dueAt });
          expect(body.detail).toContain(dueAt);
          expect(await api.stored()).toEqual(before);
          expect((await upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.instructor })).status).toBe(202);
        } finally {
          await setPolicy(CPU_ASSIGNMENT, { dueAt: null, latePolicy: { kind: 'accept' } });
        }
      });

      it('applies a per-day penalty when the result is recorded, and the report says so', async () => {
        await setPolicy(CPU_ASSIGNMENT, {
          dueAt: new Date(Date.now() - 1.5 * DAY).toISOString(),
          latePolicy: { kind: 'penalty', percentPerDay: 10, maxDaysLate: 3 },
        });
        try {
          const id = await accepted();
          const recorded = await grade(id);
          expect(recorded).toMatchObject({ score: 8, maxScore: 10 });
          const staff = await call(api.url, 'GET', `/api/submissions/${id}`, { token: api.tokens.instructor });
          expect(staff.body.report.late).toMatchObject({ daysLate: 2, percentPerDay: 10, penaltyPercent: 20, scoreBeforePenalty: 10 });
          expect(staff.body.report.late.message).toBe('Submitted 2 days late: −20% (10% per day)');
          // The student sees the penalty on what they may see: 6 of 6 visible... and 1 after_due, now past due.
          const student = await call(api.url, 'GET', `/api/submissions/${id}`, { token: api.tokens.student });
          expect(student.body.report).toMatchObject({ score: 5.6, maxScore: 7, late: { scoreBeforePenalty: 7, penaltyPercent: 20 } });
        } finally {
          await setPolicy(CPU_ASSIGNMENT, { dueAt: null, latePolicy: { kind: 'accept' } });
        }
      });

      it('refuses uploads over the hourly limit with 429 and Retry-After', async () => {
        await setPolicy(GPU_ASSIGNMENT, { maxSubmissionsPerHour: 2 });
        try {
          // Uploads earlier in this file count: the student may already be at the limit.
          const recent = await api.store.countRecentSubmissions(api.users.student2.id, GPU_ASSIGNMENT, new Date(Date.now() - 3600_000));
          for (let i = recent; i < 2; i++) await accepted(GPU_ASSIGNMENT, api.tokens.student2);
          const before = await api.stored();
          const response = await upload(api.url, GPU_ASSIGNMENT, { token: api.tokens.student2 });
          const body = await response.json();
          expect(response.status).toBe(429);
          expect(body.error).toBe('TOO_MANY_SUBMISSIONS');
          expect(body.detail).toMatch(/at most 2 submissions per hour/);
          const retryAfter = Number(response.headers.get('retry-after'));
          expect(retryAfter).toBeGreaterThan(0);
          expect(retryAfter).toBeLessThanOrEqual(3600);
          expect(await api.stored()).toEqual(before);
          // The limit is per student: another one with no uploads in the last hour is not affected.
          const fresh = await api.store.createUser({ role: 'student', name: 'fresh student' });
          const freshToken = await api.store.createToken(fresh.id);
          expect((await upload(api.url, GPU_ASSIGNMENT, { token: freshToken })).status).toBe(202);
          // Staff are exempt (instructors try their own solutions).
          for (let i = 0; i < 3; i++) expect((await upload(api.url, GPU_ASSIGNMENT, { token: api.tokens.instructor })).status).toBe(202);
        } finally {
          await setPolicy(GPU_ASSIGNMENT, { maxSubmissionsPerHour: null });
        }
      });

      it('validates the policy body', async () => {
        const response = await call(api.url, 'PUT', `/api/assignments/${CPU_ASSIGNMENT}/policy`, {
          token: api.tokens.instructor,
          body: { latePolicy: { kind: 'penalty', percentPerDay: -5 }, dueAt: 'tomorrow' },
        });
        expect(response).toMatchObject({ status: 400, body: { error: 'BAD_REQUEST' } });
        expect(response.body.detail).toMatch(/body\.dueAt/);
        expect(response.body.detail).toMatch(/body\.latePolicy/);
        const student = await call(api.url, 'PUT', `/api/assignments/${CPU_ASSIGNMENT}/policy`, { token: api.tokens.student, body: {} });
        expect(student.status).toBe(403);
      });
    });

    describe('Redis down during an upload', () => {
      it('accepts and stores the upload (202, enqueued: false); the reconciler queues it once Redis is back, once', async () => {
        const down = await startApi({ backend, prefix: `${prefix}-down`, redisUrl: CLOSED_REDIS_URL });
        try {
          const response = await upload(down.url, CPU_ASSIGNMENT, { token: down.tokens.student });
          const body = await response.json();
          expect(response.status).toBe(202);
          expect(body).toMatchObject({ status: 'queued', enqueued: false });
          expect(body.detail).toMatch(/grading starts automatically/);
          const stored = await down.store.getSubmission(body.id);
          expect(stored).toMatchObject({ status: 'queued', enqueuedAt: null });

          const health = await call(down.url, 'GET', '/healthz', { token: down.tokens.instructor });
          expect(health.status).toBe(503);
          expect(health.body.redis.ok).toBe(false);

          // "Redis is back": the same store, queues on the real Redis.
          const options = { store: down.store, queues: api.queues, assignments: testAssignments(), graceMs: 0 };
          expect((await reconcileOnce(options)).enqueued).toEqual([body.id]);
          expect((await reconcileOnce(options)).enqueued).toEqual([]);
          const job = await api.queues.cpu.getJob(gradeJobId(body.id, 0));
          expect(job?.data).toEqual({ v: 1, submissionId: body.id, assignmentId: CPU_ASSIGNMENT });
          expect((await down.store.getSubmission(body.id))?.enqueuedAt).not.toBeNull();
        } finally {
          await down.close();
        }
      });
    });

    describe('the built-in catalogue', () => {
      it('lists the graders/ assignments and accepts an example submission for one', async () => {
        const builtin = await startApi({ backend, prefix: `${prefix}-builtin`, assignments: 'builtin' });
        try {
          const listed = await call(builtin.url, 'GET', '/api/assignments', { token: builtin.tokens.instructor });
          expect(listed.status).toBe(200);
          const ids = listed.body.assignments.map((a: { id: string }) => a.id);
          expect(ids).toEqual(expect.arrayContaining(['u05-softmax', 'u06-heads', 'u07-embeddings', 'u08-sampling']));
          const u05 = listed.body.assignments.find((a: { id: string }) => a.id === 'u05-softmax');
          expect(u05.checks.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining(['softmax.reference', 'cross_entropy.reference']));
          expect(u05.maxScore).toBe(u05.checks.reduce((sum: number, c: { maxPoints: number }) => sum + c.maxPoints, 0));

          const bytes = readFileSync(join(graderDir('u05-softmax'), 'examples', 'correct.ipynb'));
          const response = await upload(builtin.url, 'u05-softmax', { token: builtin.tokens.student, bytes, name: 'correct.ipynb' });
          expect(response.status).toBe(202);
          const { id } = await response.json();
          expect((await builtin.store.getAssignment('u05-softmax'))?.version).toMatch(/^[0-9a-f]{16}$/);
          expect(await builtin.queues.cpu.getJob(gradeJobId(id, 0))).toBeDefined();
        } finally {
          await builtin.close();
        }
      });
    });

    describe('operations', () => {
      it('/healthz is 503 without a worker heartbeat and 200 with a working one', async () => {
        const none = await call(api.url, 'GET', '/healthz', { token: api.tokens.instructor });
        expect(none.status).toBe(503);
        expect(none.body, JSON.stringify(none.body)).toMatchObject({ error: 'UNHEALTHY', status: 'unavailable', redis: { ok: true }, store: { ok: true }, workers: { ok: false } });
        expect(none.body.detail).toMatch(/^workers: no worker heartbeat/);

        const beat = {
          id: 'gpu-box-1',
          sandbox: { backend: 'docker' as const, ok: false, detail: 'image missing' },
          gpu: true,
          concurrency: 2,
          startedAt: new Date().toISOString(),
          at: new Date().toISOString(),
        };
        await writeWorkerHeartbeat(api.queues.redis, beat, { prefix });
        try {
          const broken = await call(api.url, 'GET', '/healthz', { token: api.tokens.instructor });
          expect(broken.status).toBe(503);
          expect(broken.body.workers.detail).toMatch(/gpu-box-1: docker sandbox failing \(image missing\)/);
          // Anyone else learns only that it is not ready, and which part: no worker ids, no sandbox errors.
          for (const token of [undefined, api.tokens.student, api.tokens.worker]) {
            const outside = await call(api.url, 'GET', '/healthz', { token });
            expect(outside.status).toBe(503);
            expect(outside.body).toEqual({ error: 'UNHEALTHY', status: 'unavailable', detail: expect.stringMatching(/not ready to grade \(workers\)/) });
            expect(JSON.stringify(outside.body)).not.toMatch(/gpu-box-1|image missing/);
          }
          expect((await call(api.url, 'GET', '/healthz', { token: `ag_${'x'.repeat(43)}` })).status).toBe(401);

          await writeWorkerHeartbeat(api.queues.redis, { ...beat, sandbox: { backend: 'docker', ok: true } }, { prefix });
          const healthy = await call(api.url, 'GET', '/healthz', { token: api.tokens.instructor });
          expect(healthy.status).toBe(200);
          expect(healthy.body).toMatchObject({ status: 'ok', workers: { ok: true, live: [{ id: 'gpu-box-1', sandboxOk: true, gpu: true }] } });
          expect((await call(api.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
        } finally {
          await clearWorkerHeartbeat(api.queues.redis, beat.id, { prefix });
        }
      });

      it('/metrics has queue depth per queue, uploads, outcomes and the grading duration histogram', async () => {
        const response = await call(api.url, 'GET', '/metrics');
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
        const text = response.body as string;
        expect(text).toMatch(/^autograder_queue_jobs\{queue="grading",state="waiting"\} \d+$/m);
        expect(text).toMatch(/^autograder_queue_jobs\{queue="grading-gpu",state="waiting"\} \d+$/m);
        expect(text).toMatch(/^autograder_queue_up\{queue="grading"\} 1$/m);
        expect(text).toMatch(/^autograder_uploads_total\{assignment="apitest-cpu",outcome="accepted"\} [1-9]\d*$/m);
        expect(text).toMatch(/^autograder_uploads_total\{assignment="unknown",outcome="refused"\} [1-9]\d*$/m);
        expect(text).toMatch(/^autograder_grading_outcomes_total\{assignment="apitest-cpu",outcome="graded"\} [1-9]\d*$/m);
        expect(text).toMatch(/^autograder_grading_outcomes_total\{assignment="apitest-cpu",outcome="failed"\} [1-9]\d*$/m);
        expect(text).toMatch(/^autograder_grading_duration_seconds_bucket\{le="2",assignment="apitest-cpu"\} [1-9]\d*$/m);
        const waiting = Number(/^autograder_queue_jobs\{queue="grading",state="waiting"\} (\d+)$/m.exec(text)![1]);
        expect(waiting).toBe((await api.queues.cpu.getJobCounts('waiting')).waiting);
      });

      it('/api/openapi.json is an OpenAPI 3.1 document of every route', async () => {
        const { status, body } = await call(api.url, 'GET', '/api/openapi.json');
        expect(status).toBe(200);
        expect(body.openapi).toBe('3.1.0');
        expect(Object.keys(body.paths).sort()).toEqual(
          [
            '/api/assignments',
            '/api/assignments/{id}/policy',
            '/api/assignments/{id}/submissions',
            '/api/openapi.json',
            '/api/submissions/{id}',
            '/api/submissions/{id}/regrade',
            '/api/submissions/{id}/file',
            '/api/lms/{integration}/submissions',
            '/api/submissions/{id}/lms-deliveries',
            '/.well-known/jwks.json',
            '/api/worker/submissions/{id}',
            '/api/worker/submissions/{id}/failed',
            '/api/worker/submissions/{id}/file',
            '/api/worker/submissions/{id}/result',
            '/api/worker/submissions/{id}/started',
            '/healthz',
            '/metrics',
          ].sort(),
        );
        const uploadOp = body.paths['/api/assignments/{id}/submissions'].post;
        expect(uploadOp.requestBody.content['multipart/form-data'].schema.required).toEqual(['file']);
        expect(Object.keys(uploadOp.responses)).toEqual(expect.arrayContaining(['202', '401', '404', '413', '415', '422', '429']));
        expect(uploadOp.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
        const resultOp = body.paths['/api/worker/submissions/{id}/result'].post;
        const reportSchema = resultOp.requestBody.content['application/json'].schema.properties.report;
        expect(reportSchema.required).toEqual(expect.arrayContaining(['score', 'checks', 'gradable']));
        expect(body.paths['/api/submissions/{id}'].get.responses['200'].content['application/json'].schema.properties.report).toBeDefined();
      });
    });
  });
}
