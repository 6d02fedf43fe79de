/**
 * acceptUploadBytes, the entry for bytes already in memory (the LMS webhook): the same
 * validation as an upload, and its temporary file gone whatever the outcome. The store and
 * queue are stand-ins recording what they were given; the API suites cover the real ones.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acceptUploadBytes } from '../../../src/api/accept-upload.js';
import type { ApiContext } from '../../../src/api/context.js';
import { UploadGate } from '../../../src/api/upload-gate.js';
import { PlatformError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { BlobStore } from '../../../src/store/blobs.js';
import type { Assignment, Submission, User } from '../../../src/store/rows.js';
import type { NewSubmission } from '../../../src/store/store.js';
import { resolveLimits } from '../../../src/submission/limits.js';
import { buildZip } from '../submission/helpers/zip-writer.js';

const root = mkdtempSync(join(tmpdir(), 'accept-upload-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const notebook = Buffer.from(
  JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'markdown', metadata: {}, source: '# hw' }] }),
);
const user = { id: 'u1', role: 'student' } as User;
const assignment = { id: 'a1', maxSubmissionsPerHour: null } as Assignment;

function context(recorded: NewSubmission[]): ApiContext {
  const tempDir = join(root, 'tmp');
  return {
    uploadGate: new UploadGate(),
    uploadLimits: resolveLimits(),
    uploadTempDir: tempDir,
    blobs: new BlobStore(join(root, 'blobs')),
    logger: createLogger('silent'),
    now: () => new Date(),
    metrics: { upload: () => undefined },
    store: {
      createSubmission: async (input: NewSubmission) => {
        recorded.push(input);
        return { id: 's1', assignmentId: input.assignmentId, attempts: 0, status: 'queued' } as Submission;
      },
    },
    catalogue: { definition: () => ({ gpu: false }) },
    // Redis is down: the upload is still accepted, not queued.
    queues: {
      forAssignment: () => {
        throw new PlatformError('QUEUE_UNAVAILABLE', 'redis down');
      },
    },
  } as unknown as ApiContext;
}

describe('acceptUploadBytes', () => {
  it('validates, stores and records the upload, and removes its temporary file', async () => {
    const recorded: NewSubmission[] = [];
    const ctx = context(recorded);
    const accepted = await acceptUploadBytes(ctx, { assignment, user, source: 'lms', file: { name: 'hw\u001b[2J.ipynb', bytes: notebook } });
    expect(accepted).toMatchObject({ submission: { id: 's1' }, enqueued: false });
    expect(recorded).toEqual([expect.objectContaining({ fileName: 'hw[2J.ipynb', source: 'lms', blob: expect.objectContaining({ size: notebook.length }) })]);
    expect(await ctx.blobs.get(recorded[0]!.blob.hash)).toEqual(notebook);
    expect(readdirSync(ctx.uploadTempDir)).toEqual([]);
    expect(readdirSync(join(root, 'blobs', '.tmp'))).toEqual([]);
  });

  it('refuses what an upload would refuse, records nothing, and removes its temporary file', async () => {
    const recorded: NewSubmission[] = [];
    const ctx = context(recorded);
    const bomb = buildZip([
      { name: 'hw.ipynb', data: notebook },
      { name: 'w.bin', data: Buffer.alloc(8 * 1024 * 1024) },
    ]);
    await expect(acceptUploadBytes(ctx, { assignment, user, source: 'lms', file: { name: 'hw.zip', bytes: bomb } })).rejects.toMatchObject({ code: 'ZIP_BOMB' });
    expect(recorded).toEqual([]);
    expect(readdirSync(ctx.uploadTempDir)).toEqual([]);
  });
});
