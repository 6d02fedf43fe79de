#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('autograder: not built yet; run `npm run build` (npm ci does it) first.\n');
  process.exit(2);
}
await import(entry.href);
