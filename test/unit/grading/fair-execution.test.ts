/**
 * Fair execution (issue 8 item 4): what the starter carries never costs the student, a
 * library the grader lacks that the starter imports is the platform's problem, and errors
 * caused by an earlier failure are folded into it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execution } from '../../../src/grading/checks/execution.js';
import { capped, cellList } from '../../../src/grading/feedback-list.js';
import { analyzeFreshRun } from '../../../src/grading/fresh-run.js';
import { cellNames } from '../../../src/notebook/python-names.js';
import type { Notebook } from '../../../src/notebook/schema.js';
import { COURSE_LIBRARIES } from '../../../src/sandbox/course-libraries.js';
import type { CellReport } from '../../../src/sandbox/protocol.js';
import { findPackageRoot } from '../../../src/package-root.js';
import { contextWith } from '../../helpers/context.js';
import { code, courseNotebook, edited, md, notebookOf } from '../../helpers/notebooks.js';

const check = execution({ points: 1 });
const ok = (index: number): CellReport => ({ index, status: 'ok', ms: 1 });
const err = (index: number, ename: string, evalue: string): CellReport => ({ index, status: 'error', ename, evalue, ms: 1 });

/** Cell reports for every code cell of a notebook: ok unless listed. */
function cellsOf(notebook: Notebook, failures: Record<number, [string, string]> = {}): CellReport[] {
  return notebook.cells.flatMap((c, i) => (c.cell_type !== 'code' ? [] : [failures[i] ? err(i, ...failures[i]!) : ok(i)]));
}

describe('names a cell defines', () => {
  it('reads imports, assignments, definitions and loop targets, and the modules imported', () => {
    const names = cellNames('import torch\nimport torch.nn as nn, numpy as np\nfrom fastai.vision.all import *\nfrom torch import tensor as T, optim\n' +
      'x = 1\na, b = 2, 3\nf(y=1)\nobj.attr = 3\narr[0] = 1\ndef g():\n    z = 2\nclass K: pass\nfor i in r: pass\n%matplotlib inline\nm = n = 5\n');
    expect([...names.names].sort()).toEqual(['K', 'T', 'a', 'b', 'g', 'i', 'm', 'n', 'nn', 'np', 'optim', 'torch', 'x'].sort());
    expect(names.starImport).toBe(true);
    expect([...names.modules].sort()).toEqual(['fastai', 'numpy', 'torch']);
  });
});

describe('folding failures into their root cause', () => {
  const nb = notebookOf([
    code('import fastai\nfrom fastai.vision.all import untar_data'),
    code('path = untar_data(URL)'),
    code('files = list(path.glob("*"))'),
    code('print(len(files))'),
    code('y = undefined_thing + 1'),
    ...Array.from({ length: 12 }, (_, i) => code(`v${i} = files[${i}]`)),
  ]);
  const failures: Record<number, [string, string]> = {
    0: ['ModuleNotFoundError', "No module named 'fastai'"],
    1: ['NameError', "name 'untar_data' is not defined"],
    2: ['NameError', "name 'path' is not defined"],
    3: ['NameError', "name 'files' is not defined"],
    4: ['NameError', "name 'undefined_thing' is not defined"],
    ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [5 + i, ['NameError', "name 'files' is not defined"] as [string, string]])),
  };

  it('reports the failed import once, with the count of the cells that failed because of it, and a NameError of its own apart', () => {
    const analysis = analyzeFreshRun(contextWith([], cellsOf(nb, failures), nb));
    expect(analysis.problems[0]).toBe("Cell 1 raised ModuleNotFoundError: No module named 'fastai'; 15 later cells failed because of it (cells 2, 3, 4, 6, 7, 8, 9, 10 and 7 more)");
    expect(analysis.problems[1]).toBe("Cell 5 raised NameError: name 'undefined_thing' is not defined");
    expect(analysis.problems[2]).toMatch(/^The grader provides the course's libraries only: numpy, torch, .*fastai, transformers, datasets are not available/);
    expect(analysis.problems).toHaveLength(3);
    expect(analysis.warnings).toEqual([]);
  });

  it('excuses a module the starter imports and what failed because of it, and warns the instructor', async () => {
    const starter = notebookOf([code('import fastai\nfrom fastai.vision.all import untar_data'), code('path = untar_data(URL)')]);
    const ctx = { ...contextWith([], cellsOf(nb, failures), nb), starter };
    const analysis = analyzeFreshRun(ctx);
    expect(analysis.excusedCells).toHaveLength(16);
    expect(analysis.warnings).toEqual([
      "The grader's sandbox has no module 'fastai' (the starter imports it): cell 1 failed; 15 later cells failed because of it (cells 2, 3, 4, 6, 7, 8, 9, 10 and 7 more). " +
        'The student was not charged for these cells; add the library to the sandbox (docker/sandbox/packages.txt).',
    ]);
    // The student's own NameError still counts.
    expect(analysis.problems).toEqual(["Cell 5 raised NameError: name 'undefined_thing' is not defined"]);
  });

  it('charges nothing when the only failures come from a library the starter imports', async () => {
    const starter = courseNotebook('u05n1-softmax.ipynb');
    const submission = courseNotebook('u05n1-softmax_soln-answered.ipynb');
    // The grader lacks ipywidgets: the import cell fails, and the widget cell after it.
    const cells = cellsOf(submission, { 2: ['ModuleNotFoundError', "No module named 'ipywidgets'"], 7: ['NameError', "name 'widgets' is not defined"] });
    const verdict = await check.grade({ ...contextWith([], cells, submission), starter });
    expect(verdict.points).toBe(1);
    expect(verdict.feedback).toBe('The notebook runs top to bottom without errors.');
    expect(verdict.warnings?.[0]).toMatch(/^The grader's sandbox has no module 'ipywidgets' \(the starter imports it\): cell 3 failed; 1 later cell failed because of it \(cell 8\)/);
  });
});

describe('what the starter carries', () => {
  it('does not hold a starter cell saved without an execution count against the student', async () => {
    const starter = courseNotebook('u05n1-softmax.ipynb');
    const submission = courseNotebook('u05n1-softmax_soln-answered.ipynb');
    // Cell 10 (`x = tensor([1., 2., 3.])`) has outputs and no count in the course's own starter.
    expect(submission.cells[9]).toMatchObject({ cell_type: 'code', execution_count: null });
    const verdict = await check.grade({ ...contextWith([], cellsOf(submission), submission), starter });
    expect(verdict.points).toBe(1);
    const withoutStarter = await check.grade(contextWith([], cellsOf(submission), submission));
    expect(withoutStarter.points).toBeLessThan(1);
    expect(withoutStarter.feedback).toContain('Cell 10 ("x = tensor([1., 2., 3.])") has outputs but no execution count');
  });

  it('gives no execution points for the starter\'s code unchanged, which runs but is not the student\'s', async () => {
    const starter = courseNotebook('u05n1-softmax.ipynb');
    const withProse = edited(starter, { 21: 'They are the same: a constant shift cancels.' });
    const verdict = await check.grade({ ...contextWith([], cellsOf(withProse), withProse), starter });
    expect(verdict).toMatchObject({ points: 0, feedback: expect.stringContaining("code is the starter's, unchanged") });
  });
});

describe('capped feedback lists', () => {
  it('shows the first items and counts the rest', () => {
    expect(capped(['a', 'b', 'c'], 2)).toEqual(['a', 'b', '… and 1 more']);
    expect(capped(['a', 'b'], 2)).toEqual(['a', 'b']);
    expect(cellList([0])).toBe('cell 1');
    expect(cellList([0, 2, 4])).toBe('cells 1, 3 and 5');
    expect(cellList([0, 1, 2, 3], 2)).toBe('cells 1, 2 and 2 more');
  });

  it('caps the stored-execution list of a notebook run badly', async () => {
    const nb = notebookOf([md('# Run backwards'), ...Array.from({ length: 20 }, (_, i) => code(`x${i} = ${i}`, { count: 40 - i }))]);
    const verdict = await check.grade(contextWith([], cellsOf(nb), nb));
    expect(verdict.feedback.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(9);
    expect(verdict.feedback).toContain('- … and 11 more');
  });
});

describe("the course's library stack", () => {
  it('is what docker/sandbox/packages.txt installs', () => {
    const packages = readFileSync(resolve(findPackageRoot(), 'docker', 'sandbox', 'packages.txt'), 'utf8').split('\n').map((l) => l.trim());
    for (const library of COURSE_LIBRARIES) expect(packages, library.debian).toContain(library.debian);
  });
});
