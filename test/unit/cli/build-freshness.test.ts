import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distIsStale } from '../../helpers/build.js';

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'ag-build-'));
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  mkdirSync(join(root, 'dist', 'src', 'cli'), { recursive: true });
  writeFileSync(join(root, 'src', 'cli', 'main.ts'), '');
  writeFileSync(join(root, 'dist', 'src', 'cli', 'main.js'), '');
  return root;
}

const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

describe('distIsStale (CLI integration tests rebuild dist/)', () => {
  it('is stale when dist/ is missing', () => {
    const root = mkdtempSync(join(tmpdir(), 'ag-build-'));
    expect(distIsStale(root)).toBe(true);
  });

  it('is stale when any source is newer than the build, fresh otherwise', () => {
    const root = tree();
    at(join(root, 'src', 'cli', 'main.ts'), 1_000);
    at(join(root, 'dist', 'src', 'cli', 'main.js'), 2_000);
    expect(distIsStale(root)).toBe(false);
    mkdirSync(join(root, 'worker'));
    writeFileSync(join(root, 'worker', 'service.ts'), '');
    at(join(root, 'worker', 'service.ts'), 3_000);
    expect(distIsStale(root)).toBe(true);
  });

  it('ignores test files, which are not built', () => {
    const root = tree();
    at(join(root, 'src', 'cli', 'main.ts'), 1_000);
    at(join(root, 'dist', 'src', 'cli', 'main.js'), 2_000);
    writeFileSync(join(root, 'src', 'cli', 'main.test.ts'), '');
    at(join(root, 'src', 'cli', 'main.test.ts'), 3_000);
    expect(distIsStale(root)).toBe(false);
  });
});
