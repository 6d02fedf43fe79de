import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PlatformError } from '../errors.js';
import { findPackageRoot } from '../package-root.js';

/**
 * Absolute path of the Python harness folder (src/sandbox/harness). The .py files are
 * not compiled, so they stay under src/ whether we run from src/ (vitest, tsx) or from
 * dist/src/ after `tsc`.
 */
export function harnessDir(): string {
  const dir = join(findPackageRoot(), 'src', 'sandbox', 'harness');
  if (!existsSync(join(dir, 'harness.py'))) {
    throw new PlatformError('HARNESS_NOT_FOUND', `the grading harness is missing: ${join(dir, 'harness.py')} does not exist`);
  }
  return dir;
}
