/**
 * The CLI integration tests run the built `autograder` (bin/ → dist/). A dist/ older than
 * the sources would test yesterday's code, so it is rebuilt whenever any source is newer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from '../../src/package-root.js';

/** What tsconfig.build.json compiles. */
const SOURCE_DIRS = ['src', 'reference', 'graders', 'worker', 'bench', 'scripts'];

function newestMtimeMs(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtimeMs(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The newest source file's mtime against the built entry's: whether dist/ is stale. */
export function distIsStale(root = findPackageRoot()): boolean {
  const entry = join(root, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(entry)) return true;
  const built = statSync(entry).mtimeMs;
  return SOURCE_DIRS.some((dir) => newestMtimeMs(join(root, dir)) > built);
}

/** Runs `npm run build` when dist/ is missing or older than a source. */
export function ensureBuilt(): void {
  const root = findPackageRoot();
  if (!distIsStale(root)) return;
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  // tsc emits even with type errors elsewhere; what matters here is a fresh build.
  if (build.status !== 0 && distIsStale(root)) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}
