import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkJobPaths, createJobDir, removeJobDir, safeRelativePath } from '../../../src/sandbox/job-dir.js';

describe('safeRelativePath', () => {
  it('keeps paths inside their folder, normalised', () => {
    expect(safeRelativePath('submission.ipynb')).toBe('submission.ipynb');
    expect(safeRelativePath('model/./weights.npy')).toBe('model/weights.npy');
    expect(safeRelativePath('a/b/../c.txt')).toBe('a/c.txt');
    expect(safeRelativePath('..hidden')).toBe('..hidden');
  });

  it.each([
    ['../escape.txt'],
    ['a/../../escape.txt'],
    ['/etc/passwd'],
    ['..'],
    ['.'],
    ['a/'],
    [''],
    ['a\\..\\b'],
    ['nul\0byte'],
  ])('refuses %j with a student error that says what to fix', (path) => {
    expect(() => safeRelativePath(path)).toThrow(expect.objectContaining({
      kind: 'student',
      code: 'UNSAFE_PATH',
      message: expect.stringMatching(/rename the file/),
    }));
  });
});

describe('createJobDir', () => {
  const notebook = new TextEncoder().encode('{"cells": []}');
  const request = (path: string) => ({
    v: 1 as const,
    notebook: path,
    calls: [],
    limits: { cellTimeoutS: 1, totalTimeoutS: 1, callTimeoutS: 1, maxReturnBytes: 1 },
  });

  it('writes the notebook at its own path, so a folder named submission.ipynb/ in the upload does not collide with it', async () => {
    const dir = await createJobDir({
      notebook,
      files: [{ path: 'submission.ipynb/notes.txt', data: new TextEncoder().encode('hi') }],
      request: request('lab/lab.ipynb'),
      gpu: false,
    });
    try {
      expect(readFileSync(join(dir.work, 'lab/lab.ipynb'), 'utf8')).toBe('{"cells": []}');
      expect(readFileSync(join(dir.work, 'submission.ipynb/notes.txt'), 'utf8')).toBe('hi');
    } finally {
      await removeJobDir(dir);
    }
  });

  it("writes an assignment's data files read-only where the starter expects them, the student's files writable", async () => {
    const dir = await createJobDir({
      notebook,
      files: [
        { path: 'data/train.csv', data: new TextEncoder().encode('x,y\n'), readOnly: true },
        { path: 'notes.txt', data: new TextEncoder().encode('mine') },
      ],
      request: request('lab.ipynb'),
      gpu: false,
    });
    try {
      expect(statSync(join(dir.work, 'data/train.csv')).mode & 0o777).toBe(0o444);
      expect(statSync(join(dir.work, 'notes.txt')).mode & 0o200).toBe(0o200);
    } finally {
      await removeJobDir(dir);
    }
    expect(existsSync(dir.root)).toBe(false);
  });

  it('refuses a file where another needs a folder as the student\'s problem, leaving nothing on disk', async () => {
    const job = { notebook, files: [{ path: 'lab.ipynb/notes.txt', data: new Uint8Array(1) }], request: request('lab.ipynb'), gpu: false };
    await expect(createJobDir(job)).rejects.toMatchObject({ kind: 'student', code: 'PATH_COLLISION' });
    expect(() => checkJobPaths(['a/b.txt', 'a'])).toThrow(/a file a and also a folder/);
    expect(() => checkJobPaths(['a/b.txt', 'a/c.txt', 'b'])).not.toThrow();
  });
});
