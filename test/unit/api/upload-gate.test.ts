/**
 * The bounds on uploads in progress: a semaphore with a bounded waiting line, per-user
 * upload slots (429 past the line), and validations a few at a time service-wide; and
 * the sweep of temporary uploads a dead process left behind.
 */
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../src/api/http-error.js';
import { Semaphore } from '../../../src/api/semaphore.js';
import { STALE_UPLOAD_MS, sweepStaleUploads } from '../../../src/api/upload.js';
import { UploadGate } from '../../../src/api/upload-gate.js';
import { createLogger } from '../../../src/logger.js';

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('lets `limit` holders in, queues the next, refuses past the waiting line', async () => {
    const s = new Semaphore(2, 1);
    const a = await s.acquire()!;
    const b = await s.acquire()!;
    let cGot = false;
    const c = s.acquire()!.then((release) => {
      cGot = true;
      return release;
    });
    expect(s.acquire()).toBeUndefined();
    await settle();
    expect(cGot).toBe(false);
    a();
    a(); // a second release of the same turn releases nothing more
    const releaseC = await c;
    expect(cGot).toBe(true);
    expect(s.active).toBe(2);
    b();
    releaseC();
    expect(s.idle).toBe(true);
  });
});

describe('UploadGate', () => {
  it('gives a user `perUser` slots, queues `perUserWaiting` more, then answers 429', async () => {
    const gate = new UploadGate({ perUser: 1, perUserWaiting: 1 });
    const first = await gate.enter('u1');
    let secondIn = false;
    const second = gate.enter('u1').then((release) => {
      secondIn = true;
      return release;
    });
    const third = await gate.enter('u1').catch((e: unknown) => e);
    expect(third).toBeInstanceOf(HttpError);
    expect(third).toMatchObject({ status: 429, code: 'TOO_MANY_UPLOADS_IN_PROGRESS' });
    // Another user has slots of their own.
    (await gate.enter('u2'))();
    await settle();
    expect(secondIn).toBe(false);
    first();
    (await second)();
    expect(gate.load.users).toBe(0);
  });

  it('runs at most `validations` at once and the rest in turn', async () => {
    const gate = new UploadGate({ validations: 2 });
    let running = 0;
    let most = 0;
    const work = async () => {
      running++;
      most = Math.max(most, running);
      await settle();
      await settle();
      running--;
      return running;
    };
    await Promise.all(Array.from({ length: 7 }, () => gate.validate(work)));
    expect(most).toBe(2);
    expect(gate.load).toMatchObject({ validating: 0, waitingToValidate: 0 });
  });

  it('releases a validation turn when the work throws', async () => {
    const gate = new UploadGate({ validations: 1 });
    await expect(gate.validate(async () => Promise.reject(new Error('bad zip')))).rejects.toThrow('bad zip');
    await expect(gate.validate(async () => 'next')).resolves.toBe('next');
  });

  it('answers 503 when too many uploads wait for validation', async () => {
    const gate = new UploadGate({ validations: 1, validationsWaiting: 0 });
    let finish!: () => void;
    const busy = gate.validate(() => new Promise<void>((resolve) => (finish = resolve)));
    await expect(gate.validate(async () => 'x')).rejects.toMatchObject({ status: 503, code: 'BUSY' });
    finish();
    await busy;
  });
});

describe('sweepStaleUploads', () => {
  it('removes temporary uploads older than an hour and keeps younger ones and other files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
    try {
      for (const name of ['upload-old', 'upload-new', 'keep.txt']) writeFileSync(join(dir, name), 'x');
      const old = new Date(Date.now() - STALE_UPLOAD_MS - 60_000);
      utimesSync(join(dir, 'upload-old'), old, old);
      utimesSync(join(dir, 'keep.txt'), old, old);
      expect(await sweepStaleUploads(dir, createLogger('silent'))).toBe(1);
      expect(readdirSync(dir).sort()).toEqual(['keep.txt', 'upload-new']);
      expect(await sweepStaleUploads(join(dir, 'missing'), createLogger('silent'))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
