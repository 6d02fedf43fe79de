import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// DESIGN.md: references are pure functions over tensors; reference/ imports nothing of src/.
const here = dirname(fileURLToPath(import.meta.url));
const ALLOWED_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'vitest'];
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

function specifiers(source: string): string[] {
  return [...source.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? '');
}

describe('reference/ boundary', () => {
  const files = readdirSync(here).filter((f) => f.endsWith('.ts'));

  it('finds the import statements it checks', () => {
    expect(specifiers("import * as tf from '@tensorflow/tfjs';\nexport { a } from './a.js';")).toEqual(['@tensorflow/tfjs', './a.js']);
    expect(files).toContain('index.ts');
  });

  it('imports only its own modules, TensorFlow.js and Node built-ins', () => {
    const offending = files.flatMap((file) =>
      specifiers(readFileSync(join(here, file), 'utf8'))
        .filter((s) => !(s.startsWith('./') || s.startsWith('node:') || ALLOWED_PACKAGES.includes(s)))
        .map((s) => `${file}: ${s}`),
    );
    expect(offending).toEqual([]);
  });
});
