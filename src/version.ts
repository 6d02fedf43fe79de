import { readFileSync } from 'node:fs';
import { findPackageRoot } from './package-root.js';

let cached: string | undefined;

/** The grader's own version (package.json), recorded in every report. */
export function graderVersion(): string {
  if (cached) return cached;
  const pkg = JSON.parse(readFileSync(`${findPackageRoot()}/package.json`, 'utf8')) as { version?: unknown };
  cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  return cached;
}
