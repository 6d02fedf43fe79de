import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from '../../src/package-root.js';

/** The source folder of an assignment (graders/<id>), also when running from dist/. */
export function graderDir(id: string): string {
  return join(findPackageRoot(), 'graders', id);
}

export function starterOf(id: string): string {
  return join(graderDir(id), 'starter.ipynb');
}

export function hereDir(metaUrl: string): string {
  return dirname(fileURLToPath(metaUrl));
}
