/**
 * bench/grade-local: how much grading costs on top of simply running the notebook.
 *
 *   npm run build && node dist/bench/grade-local.js [repeats=10]
 *
 * Side by side, interleaved, in one run: (a) a bare nbclient execution of the correct
 * u05-softmax example with Debian's python3, (b) `autograder grade` of the same file
 * with the process sandbox (a whole CLI process: Node start, references, harness,
 * kernel, function calls), (c) gradeUpload in a warm process. Medians; target b/a <= 1.5.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAssignment } from '../graders/index.js';
import { loadConfig } from '../src/config.js';
import { gradeUpload } from '../src/grading/grade-upload.js';
import { createLogger } from '../src/logger.js';
import { findPackageRoot } from '../src/package-root.js';
import { createSandbox } from '../src/sandbox/select.js';
import { median } from './stats.js';

const root = findPackageRoot();
const notebook = join(root, 'graders', 'u05-softmax', 'examples', 'correct.ipynb');
const repeats = Number(process.argv[2] ?? 10);
const config = loadConfig({ ...process.env, AUTOGRADER_SANDBOX: 'process' });

const NBCLIENT = [
  'import sys, nbformat, nbclient',
  'nb = nbformat.read(sys.argv[1], as_version=4)',
  'nbclient.NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute()',
].join('\n');

function wall(cmd: string, args: string[]): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AUTOGRADER_SANDBOX: 'process' } });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(-500)}`);
  return ms;
}

const bare: number[] = [];
const cli: number[] = [];
const warm: number[] = [];
const logger = createLogger('silent');
const sandbox = await createSandbox(config, logger);
const bytes = readFileSync(notebook);
let lastScore = '';
for (let i = 0; i < repeats; i++) {
  bare.push(wall(config.python, ['-c', NBCLIENT, notebook]));
  cli.push(wall(process.execPath, [join(root, 'bin', 'autograder.js'), 'grade', notebook, '--assignment', 'u05-softmax', '--json', '--sandbox', 'process']));
  const start = performance.now();
  const { report } = await gradeUpload({ assignment: getAssignment('u05-softmax'), file: { name: 'correct.ipynb', bytes }, sandbox, limits: config.sandboxLimits });
  warm.push(performance.now() - start);
  lastScore = `${report.score}/${report.maxScore}`;
}
await sandbox.close();

const b = median(bare);
const rows = [
  ['bare nbclient execution', b],
  ['autograder grade (CLI, process sandbox)', median(cli)],
  ['gradeUpload in a warm process', median(warm)],
] as const;
console.log(`u05-softmax correct.ipynb, ${repeats} interleaved repeats, medians (score ${lastScore})`);
console.log('| what | median ms | ratio to bare nbclient |');
console.log('|---|---:|---:|');
for (const [what, ms] of rows) console.log(`| ${what} | ${ms.toFixed(0)} | ${(ms / b).toFixed(2)} |`);
