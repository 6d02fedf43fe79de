import { join } from 'node:path';
import { findPackageRoot } from '../../src/package-root.js';

/** The source folder of an assignment (graders/<id>), also when running from dist/. */
export function graderDir(id: string): string {
  return join(findPackageRoot(), 'graders', id);
}
