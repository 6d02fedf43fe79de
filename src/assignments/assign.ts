/**
 * `autograder assign SOLUTION.ipynb --out DIR`: an assignment folder from an instructor's
 * solution notebook: the student starter (starter-from-solution.ts), a copy of the
 * solution, and an assignment.yaml skeleton naming the functions the solution cells define,
 * each graded against the solution's own function on generated inputs until the
 * instructor says otherwise.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Document, isSeq } from 'yaml';
import { UsageError } from '../errors.js';
import { SPEC_FILE } from './spec-file.js';
import { AssignmentIdSchema } from './spec-schema.js';
import { starterFromSolution, type RawNotebook, type SolutionFunction, type StarterResult } from './starter-from-solution.js';

export const STARTER_FILE = 'starter.ipynb';
export const SOLUTION_FILE = 'solution.ipynb';

export interface AssignOptions {
  solutionPath: string;
  outDir: string;
  /** @defaultValue the folder's name */
  id?: string;
  /** Replace an existing assignment.yaml. @defaultValue false */
  force?: boolean;
}

export interface AssignResult extends StarterResult {
  dir: string;
  id: string;
  specPath: string;
}

function readNotebook(path: string): RawNotebook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError('BAD_SOLUTION', `${path} is not a readable notebook: ${(e as Error).message}`, { cause: e });
  }
  const cells = (parsed as { cells?: unknown }).cells;
  if (!Array.isArray(cells) || !cells.every((c) => typeof c === 'object' && c && 'cell_type' in c && 'source' in c)) {
    throw new UsageError('BAD_SOLUTION', `${path} is not a Jupyter notebook (nbformat 4): it has no list of cells`);
  }
  return parsed as RawNotebook;
}

function titleOf(notebook: RawNotebook, fallback: string): string {
  for (const cell of notebook.cells) {
    if (cell.cell_type !== 'markdown') continue;
    const text = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
    const heading = /^#+\s+(.+)$/m.exec(text);
    if (heading) return heading[1]!.trim();
  }
  return fallback;
}

function usesTorch(notebook: RawNotebook): boolean {
  return notebook.cells.some((c) => c.cell_type === 'code' && /^\s*(import torch|from torch\b)/m.test(Array.isArray(c.source) ? c.source.join('') : c.source));
}

function functionEntry(fn: SolutionFunction, torch: boolean): Record<string, unknown> {
  const generated = (shape: number[]) => ({ generate: 'normal', shape, scale: 2 });
  return {
    function: fn.name,
    signature: `${fn.name}(${fn.params.join(', ')})`,
    reference: 'solution',
    arrayType: torch ? 'torch' : 'numpy',
    points: 2,
    cases: [
      { label: `${fn.params.length > 1 ? 'inputs' : 'a 1-D input'} of 4 values`, args: fn.params.map(() => generated([4])) },
      { label: `${fn.params.length > 1 ? 'inputs' : 'a 1-D input'} of 7 values`, args: fn.params.map(() => generated([7])) },
    ],
  };
}

export function specSkeleton(id: string, title: string, result: StarterResult, torch: boolean): string {
  const spec = {
    id,
    title,
    starter: STARTER_FILE,
    solution: SOLUTION_FILE,
    seed: 1,
    notebook: { narrative: 2, placeholders: 1, execution: 1 },
    checks: result.functions.map((fn) => functionEntry(fn, torch)),
  };
  const header = [
    '# Made by `autograder assign` from the instructor\'s solution; see docs/assignment-spec.md.',
    '# Review before use: the functions below are those the solution cells define; remove',
    '# helpers that are not part of the contract, set points, objectives and hints, and',
    '# replace the generated cases with the inputs the assignment is about. `reference: solution`',
    '# grades against the solution\'s own function (run once by `autograder validate`);',
    '# `aliases: [other_name]` accepts another name for a function.',
    '',
  ].join('\n');
  const doc = new Document(spec);
  // Arguments read best on one line each: `args: [{ generate: normal, shape: [4], scale: 2 }]`.
  spec.checks.forEach((entry, i) => {
    (entry.cases as unknown[]).forEach((_, j) => {
      const args = doc.getIn(['checks', i, 'cases', j, 'args'], true);
      if (isSeq(args)) args.flow = true;
    });
  });
  return header + doc.toString({ lineWidth: 120, flowCollectionPadding: true });
}

export function assign(options: AssignOptions): AssignResult {
  const solutionPath = resolve(options.solutionPath);
  const dir = resolve(options.outDir);
  const id = options.id ?? basename(dir);
  const idCheck = AssignmentIdSchema.safeParse(id);
  if (!idCheck.success) throw new UsageError('BAD_ASSIGNMENT_ID', `assignment id "${id}" is not valid (${idCheck.error.issues[0]!.message}); pass --id`);
  const specPath = join(dir, SPEC_FILE);
  if (existsSync(specPath) && !options.force) {
    throw new UsageError('ASSIGNMENT_EXISTS', `${specPath} exists; pass --force to replace it (the starter and solution are rewritten too)`);
  }
  const solution = readNotebook(solutionPath);
  const result = starterFromSolution(solution);
  if (result.changedCells.length === 0) {
    throw new UsageError('NO_MARKERS', `${solutionPath} has none of the starter markers (\`# your code here\`, \`# return ...\` before its answer, \`#-out\`, \`<<EOF ... # EOF\`, \`### BEGIN SOLUTION\`), so the starter would equal the solution`);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, STARTER_FILE), `${JSON.stringify(result.starter, null, 1)}\n`);
  copyFileSync(solutionPath, join(dir, SOLUTION_FILE));
  writeFileSync(specPath, specSkeleton(id, titleOf(solution, id), result, usesTorch(solution)));
  return { ...result, dir, id, specPath };
}
