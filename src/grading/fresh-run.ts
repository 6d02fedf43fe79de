/**
 * What the fresh run (Restart and Run All in the sandbox) says about the notebook, fairly:
 * - an error caused by an earlier failure is folded into its root cause ("cell 3 failed: ...;
 *   27 later cells failed because of it"): a NameError for a name the failed cell (or a cell
 *   failed because of it) would have defined;
 * - a module the starter imports, or one of the course's libraries, missing from the
 *   grader is the platform's problem: the student is not charged for it or for what failed
 *   because of it, and the instructor is warned;
 * - a module the student added that the grader lacks is the student's, with the list of
 *   what the grader provides.
 */
import { cellSource } from '../notebook/cells.js';
import { cellNames, importedModules } from '../notebook/python-names.js';
import type { Notebook } from '../notebook/schema.js';
import { availableLibrariesText, isCourseLibrary } from '../sandbox/course-libraries.js';
import type { CellReport } from '../sandbox/protocol.js';
import type { GradingContext } from './assignment.js';
import { sandboxFailureText } from './call-outcome.js';
import { capped, cellList } from './feedback-list.js';

export interface FreshRunAnalysis {
  /** One line per root failure the student is charged for, its consequences folded in; capped. */
  problems: string[];
  /** For the instructor: platform problems the student was not charged for. */
  warnings: string[];
  /** Cells whose failure is excused (a library the grader lacks, and what failed because of it). */
  excusedCells: number[];
}

interface RootFailure {
  cell: CellReport;
  /** Names the failed cell, and the cells failed because of it, would have defined. */
  wouldDefine: Set<string>;
  starImport: boolean;
  consequences: number[];
  /** Set when the root is a module the grader lacks. */
  missingModule?: { module: string; platform: boolean };
}

const MISSING_MODULE = /No module named '([^']+)'/;
const UNDEFINED_NAME = /name '([A-Za-z_]\w*)' is not defined/;

function failed(cell: CellReport): boolean {
  return cell.status === 'error' || cell.status === 'timeout' || cell.status === 'kernel_died';
}

function cellProblem(cell: CellReport): string {
  const where = `Cell ${cell.index + 1}`;
  switch (cell.status) {
    case 'error': return `${where} raised ${cell.ename ?? 'an error'}${cell.evalue ? `: ${cell.evalue}` : ''}`;
    case 'timeout': return `${where} ran past the per-cell time limit and was interrupted (an endless loop, or work too slow for grading)`;
    case 'kernel_died': return `${where} stopped the Python kernel (a crash, os._exit, or killing the process)`;
    case 'skipped': return `${where} was not run: the notebook ran out of time before reaching it`;
    case 'ok': return `${where} ran`;
  }
}

export function analyzeFreshRun(ctx: GradingContext): FreshRunAnalysis {
  const run = ctx.run;
  if (!run?.response) {
    return { problems: [`The fresh run (Restart and Run All) did not finish: ${sandboxFailureText(ctx)}.`], warnings: [], excusedCells: [] };
  }
  const starterModules = ctx.starter === undefined ? new Set<string>() : importedModules(codeSources(ctx.starter));
  const roots = foldFailures(run.response.cells, ctx.notebook, starterModules);

  const problems: string[] = [];
  const warnings: string[] = [];
  const excusedCells: number[] = [];
  let studentAddedModule = false;
  for (const root of roots) {
    const later = root.consequences.length === 0
      ? ''
      : `; ${root.consequences.length} later ${root.consequences.length === 1 ? 'cell' : 'cells'} failed because of it (${cellList(root.consequences)})`;
    if (root.missingModule?.platform) {
      excusedCells.push(root.cell.index, ...root.consequences);
      const why = starterModules.has(root.missingModule.module) ? 'the starter imports it' : "it is one of the course's libraries";
      warnings.push(
        `The grader's sandbox has no module '${root.missingModule.module}' (${why}): cell ${root.cell.index + 1} failed${later}. ` +
          'The student was not charged for these cells; add the library to the sandbox (docker/sandbox/packages.txt).',
      );
      continue;
    }
    if (root.missingModule) studentAddedModule = true;
    problems.push(`${cellProblem(root.cell)}${later}`);
  }
  const shown = capped(problems, undefined, 'more failed cells');
  if (studentAddedModule) shown.push(availableLibrariesText());
  const skipped = run.response.cells.filter((c) => c.status === 'skipped');
  if (skipped.length > 0) {
    const list = cellList(skipped.map((c) => c.index));
    const one = skipped.length === 1;
    shown.push(`${list.charAt(0).toUpperCase()}${list.slice(1)} ${one ? 'was' : 'were'} not run: the notebook ran out of time before reaching ${one ? 'it' : 'them'}`);
  }
  return { problems: shown, warnings, excusedCells };
}

/**
 * Failed cells grouped under the failure that caused them. A NameError for a name a root
 * (or one of its consequences) would have defined, any NameError after a root's failed
 * `from x import *`, or the same missing module imported again, is a consequence; anything
 * else is a root of its own.
 */
function foldFailures(cells: readonly CellReport[], notebook: Notebook, starterModules: ReadonlySet<string>): RootFailure[] {
  const roots: RootFailure[] = [];
  for (const cell of cells) {
    if (!failed(cell)) continue;
    const source = notebook.cells[cell.index] === undefined ? '' : cellSource(notebook.cells[cell.index]!);
    const defined = cellNames(source);
    const undefinedName = cell.ename === 'NameError' ? UNDEFINED_NAME.exec(cell.evalue ?? '')?.[1] : undefined;
    const missing = cell.ename === 'ModuleNotFoundError' ? MISSING_MODULE.exec(cell.evalue ?? '')?.[1]?.split('.')[0] : undefined;
    // The same missing module imported again is the same failure.
    const cause = undefinedName !== undefined
      ? roots.find((r) => r.wouldDefine.has(undefinedName) || r.starImport)
      : missing !== undefined ? roots.find((r) => r.missingModule?.module === missing) : undefined;
    if (cause !== undefined) {
      cause.consequences.push(cell.index);
      for (const name of defined.names) cause.wouldDefine.add(name);
      cause.starImport ||= defined.starImport;
      continue;
    }
    roots.push({
      cell,
      wouldDefine: new Set(defined.names),
      starImport: defined.starImport,
      consequences: [],
      ...(missing === undefined ? {} : { missingModule: { module: missing, platform: starterModules.has(missing) || isCourseLibrary(missing) } }),
    });
  }
  return roots;
}

function codeSources(notebook: Notebook): string[] {
  return notebook.cells.filter((c) => c.cell_type === 'code').map(cellSource);
}
