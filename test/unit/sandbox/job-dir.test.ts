import { describe, expect, it } from 'vitest';
import { safeRelativePath } from '../../../src/sandbox/job-dir.js';

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
