/**
 * `autograder assign`: the course's own solution notebook comes out as the course's shipped
 * starter, code cell for code cell, and each of the course's and nbgrader's markers does
 * what the course README says.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assign } from '../../../src/assignments/assign.js';
import { compileSpec } from '../../../src/assignments/compile-spec.js';
import { readSpecDir } from '../../../src/assignments/spec-file.js';
import { starterFromSolution, type RawNotebook } from '../../../src/assignments/starter-from-solution.js';
import { findPackageRoot } from '../../../src/package-root.js';

const course = join(findPackageRoot(), 'test', 'fixtures', 'course');
const scratch = mkdtempSync(join(tmpdir(), 'assign-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const read = (path: string): RawNotebook => JSON.parse(readFileSync(path, 'utf8')) as RawNotebook;
const text = (source: string | string[]) => (Array.isArray(source) ? source.join('') : source);

function starterOf(code: string): string {
  const nb: RawNotebook = { cells: [{ cell_type: 'code', source: code, metadata: {}, outputs: [] }] };
  return text(starterFromSolution(nb).starter.cells[0]!.source);
}

describe("the course's unit 5 softmax", () => {
  const dir = join(scratch, 'u05n1-softmax');
  const result = assign({ solutionPath: join(course, 'u05n1-softmax_soln.ipynb'), outDir: dir });
  const shipped = read(join(course, 'u05n1-softmax.ipynb'));
  const made = read(join(dir, 'starter.ipynb'));

  it('comes out as the shipped starter, code cell for code cell (sources, outputs, counts)', () => {
    expect(made.cells.length).toBe(shipped.cells.length);
    made.cells.forEach((cell, i) => {
      const want = shipped.cells[i]!;
      expect({ i, type: cell.cell_type, source: text(cell.source) }).toEqual({ i, type: want.cell_type, source: text(want.source) });
      if (cell.cell_type === 'code') {
        expect({ i, outputs: cell.outputs, count: cell.execution_count }).toEqual({ i, outputs: want.outputs, count: want.execution_count });
      }
    });
    expect(result.changedCells).toEqual([11, 28, 30, 32]);
  });

  it('writes a spec skeleton naming the functions the solution cells define, graded against the solution', () => {
    expect(result.functions.map((f) => [f.name, f.params])).toEqual([['softmax', ['xx']], ['softmax_stable', ['xx']]]);
    const compiled = compileSpec(readSpecDir(dir));
    expect(compiled.definition.id).toBe('u05n1-softmax');
    expect(compiled.definition.checks.map((c) => c.id)).toEqual(['narrative', 'placeholders', 'execution', 'softmax.reference', 'softmax_stable.reference']);
    expect(compiled.definition.checks[3]!.calls()[0]!.arrayType).toBe('torch');
    expect(compiled.solution.needed).toBe(true);
    expect(readFileSync(join(dir, 'solution.ipynb'))).toEqual(readFileSync(join(course, 'u05n1-softmax_soln.ipynb')));
  });

  it('refuses to overwrite an assignment without --force', () => {
    expect(() => assign({ solutionPath: join(course, 'u05n1-softmax_soln.ipynb'), outDir: dir })).toThrow(/exists; pass --force/);
  });
});

describe('markers', () => {
  it('a commented starter line followed by its answer becomes the starter line', () => {
    expect(starterOf('def f(x):\n    # y = ...\n    y = x * 2\n    # return ...\n    return y')).toBe('def f(x):\n    y = ...\n    return ...');
  });

  it('keeps a comment that is not a starter line', () => {
    expect(starterOf('# compute the mean...\nm = x.mean()')).toBe('# compute the mean...\nm = x.mean()');
  });

  it('# your code here inside a block drops the lines indented as deep, not the rest of the cell', () => {
    expect(starterOf('def f(x):\n    # your code here\n    return x + 1\n\nprint(f(1))')).toBe('def f(x):\n    # your code here\nprint(f(1))');
  });

  it('#-out keeps the text before it and drops the rest of the cell', () => {
    expect(starterOf('x = 1\n# your code here #-out\ny = x + 1\nprint(y)')).toBe('x = 1\n# your code here');
  });

  it('block markers drop their body', () => {
    expect(starterOf('a = 1\n# your code here <<EOF\nb = 2\nc = 3\n# EOF\nprint(a)')).toBe('a = 1\n# your code here\nprint(a)');
    expect(starterOf('# FIXME <<END\nmodel = fit()\n# END')).toBe('# FIXME');
  });

  it("nbgrader's solution regions become its stubs, in code and in Markdown", () => {
    expect(starterOf('def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION')).toBe('def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()');
    const md: RawNotebook = { cells: [{ cell_type: 'markdown', source: 'Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION', metadata: {} }] };
    expect(text(starterFromSolution(md).starter.cells[0]!.source)).toBe('Why?\nYOUR ANSWER HERE');
  });

  it('a notebook without markers is refused: its starter would be the solution', () => {
    const plain = join(scratch, 'plain.ipynb');
    const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', source: 'def f(x):\n    return x', metadata: {}, outputs: [], execution_count: 1 }] };
    writeFileSync(plain, JSON.stringify(nb));
    expect(() => assign({ solutionPath: plain, outDir: join(scratch, 'plain') })).toThrow(/none of the starter markers/);
  });
});
